"""CSV-script model of the generated benchmark project.

Usage: python3 gen_csv.py K

Prints K deterministic rows as CSV on stdout:
    id,score,bucket,flag
id runs 1..K (so it joins with events.id), score is a float, bucket a text
label and flag an integer with some empty fields (NULLs)."""
import random
import sys


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rng = random.Random(4242)
    out = sys.stdout
    out.write("id,score,bucket,flag\n")
    buckets = ["low", "mid", "high", "top"]
    for i in range(1, k + 1):
        score = round(rng.uniform(0, 100), 3)
        bucket = buckets[rng.randrange(len(buckets))]
        flag = "" if rng.random() < 0.05 else str(rng.randrange(2))
        out.write(f"{i},{score},{bucket},{flag}\n")


if __name__ == "__main__":
    main()
