"""A drop-in replacement for vantage6-algorithm-tools 5.0.3's ``MockNetwork``, backed by the whole
5.x simulator: HQ 5.0.3's REST API, simulated 5.x nodes and the real ``wrap_algorithm``.

    # before: from vantage6.algorithm.mock.network import MockNetwork
    from simulator.mock_network import MockNetwork

    network = MockNetwork(module_name="my_algorithm",
                          datasets=[{"default": {"database": "a.csv", "db_type": "csv"}},
                                    {"default": {"database": df_b}}])
    client = network.user_client
    df = client.dataframe.create(label="default", method="read_csv", name="default")
    task = client.task.create(method="central", organizations=[1], arguments={...},
                              databases=[{"type": "dataframe", "dataframe_id": df["id"]}])
    results = client.wait_for_results(task["id"])      # decoded results, as the mock gives

Same constructor, attributes and calls as vantage6's mock (``user_client`` with ``dataframe``,
``task``, ``result``, ``run``, ``organization``, ``collaboration``, ``study``; ``hq`` with
``tasks``/``runs``/``results``/``dataframes``; ``nodes`` with ``id_``, ``organization_id``,
``dataframes``; ``organization_ids``, ``node_ids``, ``get_node``). Behind them: one organization
and node per dataset, one collaboration, the study "Mock Study", a researcher in organization 1
and a session; ``module_name`` is the algorithm of image ``mock_image``. Every call is a request
to HQ, every step runs on the nodes, so sessions, dataframes (parquet in each node's session
folder), subtasks, container tokens, the node proxy, statuses, logs, permissions and JSON
serialization are real.

Ids are the mock's, end to end, with no mapping: organizations and nodes are 1..n in HQ itself
(HQ's root organization and user come after them), so an id a test takes from
``organization.list()`` and puts in the task arguments is the id the algorithm's client knows.

A dataset given as a DataFrame needs no extraction step, as in the mock: the node holds it as a
parquet database and the network extracts it at once with vantage6's own ``read_parquet`` step
into a dataframe named after the label (ids 1.. in label order, as the mock numbers them).

Where vantage6's mock ``sys.exit(1)``s (a failing algorithm, a method that is not there), the
drop-in prints the mock's ``error > ...`` line and raises ``MockExit``, a ``SystemExit`` (code 1):
tests written for the mock keep working. A failed run raises ``AlgorithmFailed``, whose message
names the run, gives its log and what the node proxy refused the algorithm, and which is also an
instance of the exception the algorithm raised (``pytest.raises(InputError)`` works too).
``MockNetwork(..., raise_errors=False)`` gives the real behaviour instead: the task is
``failed``, its run ``crashed`` with the traceback in its log.

Where they differ, the drop-in follows a real node and HQ (the mock is wrong there):
  - frames are found by the dataframe's name, as a node stores them: ``dataframe.create`` works
    with any ``name`` (the mock's default name fails every later task); a name already taken
    is freed first (HQ refuses duplicates), with a warning;
  - arguments reach the algorithm as JSON (numpy values fail before the task exists; int keys
    become strings, with a warning), results must be JSON (a numpy result crashes the run);
  - a central function's subtask is ``federated_compute``, and only central steps get a token
    (``@algorithm_client`` in a federated function exits, as on a node);
  - ``@dataframe(n)`` gets the first frame of each group, ``@dataframes`` a dict per group;
  - inside algorithms the real AlgorithmClient lists results newest run first (HQ's order):
    a central function that pairs ``results[i]`` with ``organizations[i]`` passes with the
    mock and is wrong on a node (a central function's failure says so);
    ``user_client.result.from_task`` keeps the mock's order;
  - the user's organization is 1 (the mock's: 0), records are HQ's (task ``databases`` as HQ
    lists them, ``init_user``, ``parent``, real logs and statuses); the extraction of given
    DataFrames is a task of its own, so task ids start after those;
  - ``result.get`` and ``collaboration.get`` work (the mock raises AttributeError); so do
    ``task.get/list/delete/kill``, ``run.list``, ``node.get/list``, ``session.get`` (the mock
    warns and returns None); the sub-clients the mock leaves out (``user``, ``role``, ...)
    raise NotImplementedError;
  - a path dataset needs its ``db_type`` (the mock accepts it and exits in the extraction).
Variables set in ``os.environ`` reach the algorithms as a node's ``algorithm_env`` (encoded, as a
node hands them over). ``network.network`` is the simulated Network behind it all.
"""
from simulator.mock_network.failures import AlgorithmFailed, HQRefused, MockExit
from simulator.mock_network.network import MockNetwork

__all__ = ["MockNetwork", "MockExit", "AlgorithmFailed", "HQRefused"]
