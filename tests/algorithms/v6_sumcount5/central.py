"""Runs centrally: sends partial_sum_count to the organizations and combines what comes back."""
from vantage6.algorithm.client import AlgorithmClient
from vantage6.algorithm.decorator.action import central
from vantage6.algorithm.decorator.algorithm_client import algorithm_client
from vantage6.algorithm.tools.exceptions import InputError
from vantage6.algorithm.tools.util import info


@central
@algorithm_client
def central_average(client: AlgorithmClient, column: str,
                    organizations_to_include: list = None) -> dict:
    """The pooled sum, count and mean of ``column``.

    ``organizations_to_include``: organization ids to send the subtask to (each is looked up with
    ``client.organization.get``); all organizations of the collaboration when left out.

    ``client.task.create`` is called with keywords only: the real AlgorithmClient's positional
    order is (method, arguments, organizations, name, description), the mock's (organizations,
    method, name, description, arguments, databases, action). No ``databases`` are passed: the
    node (through the container token) and the mock both give the subtask the central task's.
    """
    if not isinstance(column, str) or not column:
        raise InputError("Give the name of a column")
    if organizations_to_include is None:
        organizations = client.organization.list()
    else:
        if not isinstance(organizations_to_include, list) or not organizations_to_include:
            raise InputError("organizations_to_include must be a non-empty list of ids")
        organizations = []
        for id_ in organizations_to_include:
            organization = client.organization.get(id_)
            # unknown id: the mock answers {"msg": ...}, a node's proxy an error dict too
            if not isinstance(organization, dict) or organization.get("id") != id_:
                raise InputError(f"Organization {id_} is not in this collaboration")
            organizations.append(organization)
    ids = [organization["id"] for organization in organizations]

    info(f"Sending partial_sum_count to organizations {ids}")
    task = client.task.create(
        method="partial_sum_count",
        arguments={"column": column},
        organizations=ids,
        name="partial sum/count",
        description="subtask of central_average",
    )
    partials = client.wait_for_results(task_id=task["id"])
    info(f"Combining {len(partials)} partial results")

    total = sum(partial["sum"] for partial in partials)
    count = sum(partial["count"] for partial in partials)
    return {
        "sum": total,
        "count": count,
        "average": total / count if count else None,
        "n_organizations": len(partials),
        "organizations": [{"id": o["id"], "name": o.get("name")} for o in organizations],
    }
