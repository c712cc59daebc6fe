"""A stand-in for an external simulator (NEST, Arbor, an MPI binary) driven by the command simulator.

It reads its parameters from the command line and prints one JSON line.
"""

import argparse
import json
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("--a", type=float, required=True)
parser.add_argument("--b", type=float, required=True)
parser.add_argument("--seed", type=int, required=True)
args = parser.parse_args()
rng = random.Random(args.seed)
value = 20 + sum(x * x - 10 * math.cos(2 * math.pi * x) for x in (args.a, args.b))
print("simulating...")
print(json.dumps({"objectives": {"value": value}, "metrics": {"noise_draw": rng.random()}}))
