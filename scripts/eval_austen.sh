#!/usr/bin/env bash
# The figures of docs/BENCHMARKS.md: `longform-engine eval` with the defaults on the first 16,384 tokens of
# each Austen novel, and on whole novels (Northanger Abbey and Emma unless WHOLE_BOOKS names others; also
# scored at window 4096, base and Temp-LoRA, on every 8th chunk: the paper's comparison). JSON reports go to
# out/eval/; then
#   python scripts/summarize_eval.py out/eval/*.json
#   python scripts/plot_eval.py out/eval/northangerabbey-whole.json -o docs/perplexity-whole.png
#   python scripts/plot_eval.py out/eval/emma-whole.json -o docs/perplexity-emma-whole.png --title Emma
#   python scripts/plot_eval.py out/eval/northangerabbey-whole.json --windows -o docs/perplexity.png
# print the tables and draw the plots. Run it alone on the machine (about 15 min for the six openings, about
# 25 for Northanger Abbey and 48 for Emma on 2 cores).
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,11s/^# \{0,1\}//p' "$0"  # the comment above
  echo "Other arguments go to every \`longform-engine eval\` (see longform-engine eval --help)."
  exit 0
fi
corpus="${CORPUS:-../shared/corpus/austen}"
mkdir -p out/eval
for book in emma mansfieldpark northangerabbey persuasion prideprejudice sensesensibility; do
  longform-engine eval "$corpus/$book.txt" --max-tokens 16384 --json "$@" > "out/eval/$book-16k.json"
done
if [ "${WHOLE:-1}" = 1 ]; then
  for book in ${WHOLE_BOOKS:-northangerabbey emma}; do
    longform-engine eval "$corpus/$book.txt" --long-window 4096 --long-every 8 --json "$@" \
      > "out/eval/$book-whole.json"
  done
fi
