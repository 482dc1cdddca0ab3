"""Review's own nameko dependencies (the shared ones are in shared/service_shell.py)."""
from nameko.extensions import DependencyProvider

from services.review.domain import deadlines


class ReviewTiming(DependencyProvider):
    """The review's deadlines and windows, read from config once: a bad setting stops start-up."""

    def setup(self):
        self.value = deadlines.Timing.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value
