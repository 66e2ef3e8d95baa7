#!/usr/bin/env bash
# The figures of docs/BENCHMARKS.md: `longform-engine eval` with the defaults on the first 16,384 tokens of
# each Austen novel, and on one whole novel. JSON reports go to out/eval/; then
#   python scripts/summarize_eval.py out/eval/*.json
# prints the tables. Run it alone on the machine (about 15 min for the six openings, 12 for Northanger Abbey).
set -euo pipefail
corpus="${CORPUS:-../shared/corpus/austen}"
mkdir -p out/eval
for book in emma mansfieldpark northangerabbey persuasion prideprejudice sensesensibility; do
  longform-engine eval "$corpus/$book.txt" --max-tokens 16384 --json "$@" > "out/eval/$book-16k.json"
done
if [ "${WHOLE:-1}" = 1 ]; then
  longform-engine eval "$corpus/northangerabbey.txt" --json "$@" > out/eval/northangerabbey-whole.json
fi
