"""Times Python's dill.temp on brine's seed objects; prints JSON on stdout.

usage: dill_bench.py AREAS [--quick]    (AREAS: comma-separated, of io,temp,capture)

The objects mirror benches/src/lib.rs. Each figure is the median of
`repeat` samples, each sample the mean time of `number` calls, `number`
chosen so a sample lasts at least `min_time` seconds; the spread is the
median absolute deviation of the samples.
"""

import dataclasses
import json
import platform
import statistics
import sys
import timeit

import dill
import dill.temp


@dataclasses.dataclass
class Item:
    id: int
    name: str
    value: float


@dataclasses.dataclass
class Small:
    value: int


@dataclasses.dataclass
class Large:
    ints: list
    items: list


SEEDS = {
    "list_1000": [i * 37 - 500 for i in range(1000)],
    "nested_map": {"level1": {"level2": {"level3": list(range(100))}}},
    "small_struct": Small(1_234_567_890),
    "large_struct": Large(
        [i * i - 1000 for i in range(500)],
        [Item(i, f"item-{i}", i * 1.5) for i in range(10)],
    ),
    "floats_1m": [i * 0.001 for i in range(1_000_000)],
}


def measure(stmt, env, min_time, repeat):
    timer = timeit.Timer(stmt, globals=env)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_time:
            break
        number *= 2 if elapsed <= 0 else max(2, min(10, int(min_time / elapsed * 1.2) + 1))
    samples = [timer.timeit(number) / number for _ in range(repeat)]
    median = statistics.median(samples)
    mad = statistics.median(abs(s - median) for s in samples)
    return median * 1e9, mad * 1e9


def main():
    areas = sys.argv[1].split(",")
    quick = "--quick" in sys.argv[2:]
    min_time, repeat = (0.05, 5) if quick else (0.2, 21)
    cases = []
    for name, obj in SEEDS.items():
        env = {"dill": dill, "obj": obj}
        if "io" in areas:
            env["buffer"] = dill.temp.dumpIO(obj)
            cases.append(("io", "dump", "dumpIO", name, "dill.temp.dumpIO(obj)", env))
            cases.append(("io", "load", "loadIO", name, "dill.temp.loadIO(buffer)", env))
        if "temp" in areas:
            env["file"] = dill.temp.dump(obj)
            # the returned file is dropped at once, which deletes it, as brine's bench does
            cases.append(("temp", "dump", "dump", name, "dill.temp.dump(obj)", env))
            cases.append(("temp", "load", "load", name, "dill.temp.load(file)", env))
    if "capture" in areas:
        # an empty capture, started and finished: benches/benches/capture.rs's `capture_empty`
        stmt = "with dill.temp.capture('stdout') as out:\n    pass"
        cases.append(("capture", "empty", "capture", "–", stmt, {"dill": dill}))
    measurements = []
    for area, operation, function, name, stmt, env in cases:
        median, mad = measure(stmt, env, min_time, repeat)
        print(f"dill.temp.{function} {name}: {median / 1e3:.1f} µs ±{mad / 1e3:.1f}", file=sys.stderr)
        measurements.append(
            {
                "area": area,
                "operation": operation,
                "function": function,
                "object": name,
                "median_ns": median,
                "mad_ns": mad,
            }
        )
    json.dump(
        {
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "dill": dill.__version__,
            "quick": quick,
            "measurements": measurements,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
