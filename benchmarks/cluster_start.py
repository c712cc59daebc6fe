"""What a 2-worker Dask LocalCluster costs to start and stop, by how its workers start.

In a fresh process: ``import distributed``, then for each start method
(``spawn``, Dask's default; ``forkserver`` as l2l's ``local`` backend uses it,
twice: the fork server is started by the first cluster and kept; ``fork``, for
reference only: l2l does not use it) the time to a running cluster and client,
to a first task's result, and to close. Run:
``nice -n 10 python benchmarks/cluster_start.py`` (about 10 s quiet). The last
line is one JSON object (no targets: see benchmarks/overhead.py).
"""

from __future__ import annotations

import json
import logging
import os
import time


def _one(value):
    return value


def main() -> None:
    started = time.perf_counter()
    import dask
    from distributed import Client, LocalCluster
    out = {"import_distributed_s": round(time.perf_counter() - started, 3), "load": os.getloadavg()[0]}
    print(f"import distributed: {out['import_distributed_s']:.3f} s   load {out['load']:.1f}")
    for label, method in (("spawn", "spawn"), ("forkserver_first", "forkserver"),
                          ("forkserver_again", "forkserver"), ("fork", "fork")):
        with dask.config.set({"distributed.worker.multiprocessing-method": method}):
            t0 = time.perf_counter()
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.CRITICAL, host="127.0.0.1")
            client = Client(cluster, set_as_default=False)
            t1 = time.perf_counter()
            client.submit(_one, 1, pure=False).result()
            t2 = time.perf_counter()
            client.close()
            cluster.close()
            t3 = time.perf_counter()
        out[label] = {"start_s": round(t1 - t0, 3), "first_task_s": round(t2 - t1, 3), "close_s": round(t3 - t2, 3),
                      "load": os.getloadavg()[0]}
        print(f"{label:<18} start {t1 - t0:.3f} s, first task {t2 - t1:.3f} s, close {t3 - t2:.3f} s   "
              f"load {os.getloadavg()[0]:.1f}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
