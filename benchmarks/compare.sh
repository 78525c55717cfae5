#!/bin/sh
# The train step of the DCGAN paper's models in dcgan and in pytorch/examples (pytorch_dcgan.py), interleaved:
# ours, theirs, ours, theirs, ... ROUNDS times, on the same cores, one process at a time (this machine's speed drifts
# within minutes, so each side's best median is compared, not one run against one run).
#   benchmarks/compare.sh [SIZE=64] [CHANNELS=3] [BATCH=128] [ROUNDS=3]
# DCGAN: the command that runs dcgan (default: dotnet run --project src/Dcgan.Cli -c Release --).
set -eu
size=${1:-64}; channels=${2:-3}; batch=${3:-128}; rounds=${4:-3}
here=$(dirname "$0")
dcgan=${DCGAN:-"dotnet run --project $here/../src/Dcgan.Cli -c Release --"}
ours=""; theirs=""
for round in $(seq "$rounds"); do
    o=$($dcgan benchmark --recipe dcgan --image-size "$size" --channels "$channels" --batch-size "$batch" --json \
        | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["MedianSeconds"])')
    t=$(/usr/bin/python3 "$here/pytorch_dcgan.py" step --image-size "$size" --channels "$channels" --batch-size "$batch" \
        | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["median_seconds"])')
    echo "round $round: dcgan $o s, pytorch $t s"
    ours="$ours $o"; theirs="$theirs $t"
done
/usr/bin/python3 - "$ours" "$theirs" "$size" "$channels" "$batch" <<'PY'
import sys
ours = min(map(float, sys.argv[1].split())); theirs = min(map(float, sys.argv[2].split()))
print(f"{sys.argv[3]}x{sys.argv[3]}x{sys.argv[4]}, batch {sys.argv[5]}: best median dcgan {ours:.3f} s, pytorch {theirs:.3f} s, ratio {ours / theirs:.2f}")
PY
