#!/usr/bin/env bash
# Dev figures of English sentiment models side by side, each through `affectkit evaluate --json`:
#   bash bench/blend_en.sh MODEL [MODEL ...]   (registry names or folders; from the repo root)
# SST-2 dev is binary (predictions restricted to negative/positive), SST-5's five classes map to
# three, MELD is read through its sentiment column. One JSON line per model and dev set.
set -euo pipefail
D=${DATA:-../shared/data}/text
for m in "$@"; do
  for spec in "sst2/dev.csv|label|" \
              "sst5/dev.csv|label|very negative=negative,very positive=positive" \
              "tweeteval_sentiment/dev.csv|label|" \
              "meld/dev.csv|sentiment|"; do
    IFS='|' read -r file col map <<< "$spec"
    args=(evaluate -m "$m" -d "$D/$file" --input-col text --label-col "$col" --json)
    [ -n "$map" ] && args+=(--label-map "$map")
    r=$(affectkit "${args[@]}")
    python -c "import json,sys; r=json.loads(sys.argv[3]); print(json.dumps({'model': sys.argv[1], 'set': sys.argv[2], **{k: r[k] for k in ('n','accuracy','macro_f1','macro_recall','ece')}}))" "$m" "$file" "$r"
  done
done
