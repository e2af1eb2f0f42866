"""pytest fixtures for testing code against a simulated vantage6 network. Loaded automatically once
the package is installed (entry point ``pytest11``).

Fixtures:
  v6_network     a fresh, isolated Network for each test, from a scenario (default: the bundled
                 demo; ``--v6-scenario``, the ini option ``v6_scenario`` or the marker
                 ``@pytest.mark.v6_scenario("path.yaml", lifecycle="realistic", ...)`` choose;
                 the marker's keywords are Network options)
  v6_client      the real vantage6 UserClient, logged in, with interception on: requests to the
                 network are answered in process (user: the scenario's first, or
                 ``@pytest.mark.v6_user("name", "password")``; in the 5.x profile signed in
                 through the device flow as that user, ``@pytest.mark.v6_user("name")``)
  v6_server_url  the same network in server mode on a free loopback port: its API URL
                 (``http://127.0.0.1:PORT/api``)
  v6_mock_client a factory with vantage6 MockAlgorithmClient's signature giving the simulator's
                 drop-in (``--v6-replace-mock`` swaps it in for unmodified test modules)
  v6_mock_network  the same for vantage6 5.x's MockNetwork (simulator.mock_network; with the 5.x
                 tools installed ``--v6-replace-mock`` swaps it in for
                 ``vantage6.algorithm.mock.network.MockNetwork``)

A failing test's report gets a section "simulator: runs that did not complete" (each crashed or
failed run of its v6_network: task, organization, status, the end of its log) and, for the
MockAlgorithmClient drop-in, "simulator: result order" when results came in another order than
vantage6's mock gives them.

Markers:
  v6_privacy(min_cell_size=5, row_level=True)   the test fails if a run returns row-level data or
                                                counts below the minimum cell size
Every network and port is the test's own, so the fixtures are safe under pytest-xdist.
"""
from __future__ import annotations

import contextlib
import functools
import io
from typing import TYPE_CHECKING, Any, Iterator, Optional

import pytest

if TYPE_CHECKING:
    from simulator.network import Network
    from simulator.scenario import Scenario

_NETWORK = pytest.StashKey["Network"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simulator", "research-compute simulator")
    group.addoption("--v6-scenario", default=None,
                    help="scenario for the v6_network fixture (a YAML file or a bundled name)")
    group.addoption("--v6-replace-mock", action="store_true", default=False,
                    help="tests importing vantage6's MockAlgorithmClient (4.x tools) or "
                         "MockNetwork (5.x tools) get the simulator's drop-in "
                         "(simulator.mock_client, simulator.mock_network) instead")
    parser.addini("v6_scenario", "scenario for the v6_network fixture", default="demo")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--v6-replace-mock", default=False):
        _replace_mocks()  # before any test module runs its "from ... import MockNetwork"
    for line in (
            "v6_scenario(scenario, **network_options): the scenario and Network options of "
            "the v6_network fixture",
            "v6_user(username, password): the user v6_client logs in as",
            "v6_privacy(min_cell_size=5, row_level=True): fail the test when a run returns "
            "row-level data or small counts"):
        config.addinivalue_line("markers", line)


def _replace_mocks() -> None:
    """The installed tools' mock, replaced where test modules import it from: 4.x's
    MockAlgorithmClient, 5.x's MockNetwork (in its module and in the package)."""
    from importlib import metadata

    try:
        major = int(metadata.version("vantage6-algorithm-tools").split(".")[0])
    except metadata.PackageNotFoundError:
        raise pytest.UsageError("--v6-replace-mock: vantage6-algorithm-tools is not installed")
    if major >= 5:
        import vantage6.algorithm.mock as mock_package
        from vantage6.algorithm.mock import network as mock_network

        from simulator.mock_network import MockNetwork

        mock_network.MockNetwork = mock_package.MockNetwork = MockNetwork
    else:
        from vantage6.algorithm.tools import mock_client

        from simulator.mock_client import MockAlgorithmClient

        mock_client.MockAlgorithmClient = MockAlgorithmClient


@functools.lru_cache(maxsize=64)
def _scenario(name: str, stamp: float) -> "Scenario":
    from simulator.scenario import Scenario

    return Scenario.load(name)  # parsed once per file version, shared read-only by the tests


def _load(name: str) -> "Scenario":
    from simulator.scenario import resolve_scenario_path

    path = resolve_scenario_path(name)
    return _scenario(str(path), path.stat().st_mtime)


def _relative_to(request: pytest.FixtureRequest, name: str) -> str:
    """A relative scenario path, found where a test suite would mean it: the current directory,
    else the test file's folder (for a marker), the ini file's folder, the rootdir. A bare
    name that is none of these stays a bundled scenario's name."""
    from pathlib import Path

    path = Path(name)
    if path.is_absolute() or path.exists():
        return name
    bases = []
    marker = request.node.get_closest_marker("v6_scenario")
    if marker is not None and marker.args:
        bases.append(Path(request.node.path).parent)
    if request.config.inipath is not None:
        bases.append(request.config.inipath.parent)
    bases.append(request.config.rootpath)
    for base in bases:
        if (base / path).exists():
            return str(base / path)
    return name


@pytest.fixture
def v6_network(request: pytest.FixtureRequest) -> Iterator["Network"]:
    from simulator.network import Network

    marker = request.node.get_closest_marker("v6_scenario")
    name = (marker.args[0] if marker is not None and marker.args else
            request.config.getoption("--v6-scenario") or request.config.getini("v6_scenario"))
    options = dict(marker.kwargs) if marker is not None else {}
    from simulator.scenario import ScenarioError

    try:
        scenario = name if isinstance(name, dict) else _load(_relative_to(request, str(name)))
        network = Network(scenario, **options)
    except ScenarioError as exc:  # one line naming the file and key, not the builder's stack
        pytest.fail(f"v6_network: {exc}", pytrace=False)
    privacy = request.node.get_closest_marker("v6_privacy")
    if privacy is not None:
        network.privacy.enable(*privacy.args, **privacy.kwargs)
    request.node.stash[_NETWORK] = network
    try:
        yield network
    finally:
        network.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A privacy violation found while the test ran fails the test itself (not its teardown)."""
    result = yield
    network = item.stash.get(_NETWORK, None)
    if network is not None and network.privacy.enabled:
        network.privacy.assert_clean()
    return result


def _order_notes() -> Optional[list[str]]:
    """What the MockAlgorithmClient drop-in noted about result order (None: never imported)."""
    import sys

    return getattr(sys.modules.get("simulator.mock_client"), "order_notes", None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    notes = _order_notes()
    if notes is not None:
        notes.clear()  # what the drop-in saw belongs to one test


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """A failing test's report says what the simulator saw: the runs that crashed or failed in
    its network (status and the end of the log), and results that came in another order than
    vantage6's mock gives them."""
    report = yield
    if report.when != "call" or not report.failed:
        return report
    network = item.stash.get(_NETWORK, None)
    if network is not None:
        from simulator.vantage6.inspection import describe_run

        failed = network.failed_runs()
        if failed:
            report.sections.append((
                "simulator: runs that did not complete",
                "\n".join(describe_run(run) for run in failed)))
    notes = _order_notes()
    if notes:
        report.sections.append((
            "simulator: result order",
            "\n".join(notes) + "\nThe simulator lists results as a real "
            "server does; a comparison that pairs results[i] with organizations[i] fails here. "
            "Sort both sides, or pair by what each result says (return the organization id "
            "from the partial function)."))
    return report


def _first_user(network: "Network") -> tuple[str, str]:
    scenario = network.scenario
    users = scenario.list("users") if scenario is not None else []
    if users:
        return users[0]["username"], users[0]["password"]
    root = (scenario.data.get("root") or {}) if scenario is not None else {}
    first = min(network.vantage6.state.users.values(), key=lambda u: u.id)  # root or admin
    return first.username, root.get("password", "root")


@pytest.fixture
def v6_client(v6_network: "Network", request: pytest.FixtureRequest) -> Iterator[Any]:
    marker = request.node.get_closest_marker("v6_user")
    username, password = (tuple(marker.args) + (None,))[:2] if marker is not None \
        else _first_user(v6_network)
    with v6_network.intercept():
        with contextlib.redirect_stdout(io.StringIO()):  # the client prints a banner
            client = v6_network.vantage6.profile.user_client(v6_network, username, password)
        yield client


@pytest.fixture
def v6_server_url(v6_network: "Network") -> Iterator[str]:
    server = v6_network.serve(port=0)
    try:
        yield f"{server.url}{v6_network.vantage6.api_path}"
    finally:
        server.stop()


def _closing_factory(make_one: Any) -> Iterator[Any]:
    """A factory with ``make_one``'s signature; whatever it made is closed afterwards."""
    made: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        made.append(make_one(*args, **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for thing in made:
            thing.close()


@pytest.fixture
def v6_mock_client() -> Iterator[Any]:
    """A factory with MockAlgorithmClient's signature, giving the simulator's drop-in; every
    client it made is closed after the test."""
    from simulator.mock_client import MockAlgorithmClient

    yield from _closing_factory(MockAlgorithmClient)


@pytest.fixture
def v6_mock_network() -> Iterator[Any]:
    """A factory with MockNetwork's signature (vantage6 5.x), giving the simulator's drop-in;
    every network it made is closed after the test."""
    from simulator.mock_network import MockNetwork

    yield from _closing_factory(MockNetwork)
