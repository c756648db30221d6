"""The order xdist hands modules to workers: the few long single-test modules first.

xdist's loadscope gives out modules by how many tests they hold, so the five API fuzz modules
(one test of 30–45 s each) went last and one worker ran them alone while the other idled. Handing
them out first lets the many short modules fill in behind them.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

# Modules whose single test outweighs whole modules of short ones (see --durations).
LONG_MODULES = ("tests/api/fuzz/",)


class LongModulesFirst(LoadScopeScheduling):
    """loadscope, with the long modules moved to the front of the queue before any is given out."""

    def _assign_work_unit(self, node: WorkerController) -> None:
        for scope in [s for s in self.workqueue if s.startswith(LONG_MODULES)][::-1]:
            self.workqueue.move_to_end(scope, last=False)
        super()._assign_work_unit(node)


def make_scheduler(config: Any, log: Any) -> LoadScopeScheduling | None:
    """Our scheduler when the run distributes by module; xdist's own otherwise."""
    if config.getvalue("dist") != "loadscope":
        return None
    return LongModulesFirst(config, log)
