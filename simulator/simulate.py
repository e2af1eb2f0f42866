"""``simulate``: a network with interception switched on, as a context manager or a decorator (the
shape of moto's ``mock_aws``).

    from simulator import simulate

    with simulate("demo") as net:            # requests/httpx to net.url answered in process
        ...

    @simulate("demo", lifecycle="realistic")
    def test_polling():                      # a fresh network for every call
        ...
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

if TYPE_CHECKING:
    from simulator.network import Network
    from simulator.scenario import Scenario

F = TypeVar("F", bound=Callable[..., Any])


class simulate:  # noqa: N801 (used like a function, as mock_aws is)
    def __init__(self, scenario: Scenario | dict | str | Path | None = "demo",
                 **options: Any) -> None:
        self.scenario = scenario
        self.options = options
        self.network: Optional[Network] = None
        self._interception = None

    def __enter__(self) -> "Network":
        from simulator.network import Network  # on use: the package imports this module eagerly

        self.network = Network(self.scenario, **self.options)
        self._interception = self.network.intercept()
        self._interception.start()
        return self.network

    def __exit__(self, *exc: Any) -> None:
        if self._interception is not None:
            self._interception.stop()
        if self.network is not None:
            self.network.close()
        self.network, self._interception = None, None

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with simulate(self.scenario, **self.options):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
