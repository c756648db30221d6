"""The order xdist hands modules to workers: the few long modules first.

xdist's loadscope gives out modules by how many tests they hold, so modules of one or two long
tests went last: the five API fuzz modules (one test of 30–45 s each), and then the browser
journeys and the demo's catalog (two tests, one per backend, of 10–30 s each). One worker ran
the last of them alone while the other idled. Handing them out first lets the many short modules
fill in behind them. Measured on a loaded machine (per-module times of one full run, replayed
through loadscope's hand-out on two workers): the last worker finished 58 s after the first with
only the fuzz modules moved, 1 s after with these.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

# Modules whose few tests outweigh whole modules of short ones (see --durations), longest kind
# first: the fuzz, the demo's seeds, the browser journeys, the hundred concurrent buyers.
LONG_MODULES = (
    "tests/api/fuzz/",
    "tests/integration/demo/",
    "tests/e2e/",
    "tests/integration/trading/test_trade_concurrency.py",
)


class LongModulesFirst(LoadScopeScheduling):
    """loadscope, with the long modules moved to the front of the queue before any is given out."""

    def _assign_work_unit(self, node: WorkerController) -> None:
        long = [s for prefix in LONG_MODULES for s in self.workqueue if s.startswith(prefix)]
        for scope in long[::-1]:
            self.workqueue.move_to_end(scope, last=False)
        super()._assign_work_unit(node)


def make_scheduler(config: Any, log: Any) -> LoadScopeScheduling | None:
    """Our scheduler when the run distributes by module; xdist's own otherwise."""
    if config.getvalue("dist") != "loadscope":
        return None
    return LongModulesFirst(config, log)
