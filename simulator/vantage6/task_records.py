"""The task and run part of ``State``: creating and deleting tasks and runs with both sides of
their relations kept in step, and the run updates the server makes on its own (fail-fast, kill).

A mixin of ``State``: it reads the tables ``State.__init__`` makes (``tasks``, ``runs``,
``orphan_runs``, ``_job_tasks``, ``seq``, ``clock``, ``started_at``)."""
from __future__ import annotations

from typing import Optional

from simulator.vantage6.entities import (
    Collaboration,
    Organization,
    Run,
    Study,
    Task,
    TaskDatabase,
    User,
)
from simulator.vantage6.status import TaskStatus, has_task_finished


class TaskRecords:
    """Tasks and runs of one server (mixed into ``State``)."""

    def next_job_id(self) -> int:
        # max(job_id) + 1 over the tasks that exist, as the real Task.next_job_id queries it
        return max(self._job_tasks, default=0) + 1

    def add_task(self, *, name: str, description: str, image: str, collaboration: Collaboration,
                 init_org: Organization, job_id: int, init_user: Optional[User],
                 parent: Optional[Task], study: Optional[Study],
                 databases: list[TaskDatabase]) -> Task:
        task = Task(self.seq["task"].take(), name, description, image, collaboration, init_org,
                    created_at=self.clock.now(), job_id=job_id, init_user=init_user,
                    parent=parent, study=study, databases=databases)
        self.tasks[task.id] = task
        self._job_tasks[job_id] = self._job_tasks.get(job_id, 0) + 1
        collaboration.tasks.append(task)
        init_org.tasks.append(task)
        if init_user is not None:
            init_user.created_tasks.append(task)
        if parent is not None:
            parent.children.append(task)
        if study is not None:
            study.tasks.append(task)
        return task

    def add_run(self, task: Task, organization: Organization, input_: Optional[str]) -> Run:
        run = Run(self.seq["run"].take(), task, organization, input_,
                  assigned_at=self.started_at, status=TaskStatus.PENDING.value)
        self.runs[run.id] = run
        task.runs.append(run)
        task.runs_by_org.setdefault(organization.id, []).append(run)
        organization.runs.append(run)
        return run

    def delete_run(self, run: Run) -> None:
        if run.task is not None:
            run.task.runs.remove(run)
            run.task.runs_by_org.get(run.organization.id, []).remove(run)
            run.task = None  # no longer counted in the task's statuses
        run.organization.runs.remove(run)
        self.runs.pop(run.id, None)
        self.orphan_runs.pop(run.id, None)

    def run_row(self, id_: int) -> Optional[Run]:
        """``Run.get(id)``: orphaned runs are rows too."""
        return self.runs.get(id_) or self.orphan_runs.get(id_)

    def delete_task(self, task: Task) -> None:
        """``Task.delete()``: only the task row goes. SQLAlchemy sets the foreign key of what
        pointed at it to NULL: its remaining runs stay as orphans (task None, still counted for
        their organization) and its subtasks lose their parent."""
        if task.id not in self.tasks:
            return
        for run in task.runs:
            run.task = None
            self.orphan_runs[run.id] = self.runs.pop(run.id)
        task.runs = []
        self.orphan_task_databases += len(task.databases)
        for child in task.children:
            child.parent = None
        task.children = []
        task.collaboration.tasks.remove(task)
        task.init_org.tasks.remove(task)
        if task.init_user is not None:
            task.init_user.created_tasks.remove(task)
        if task.parent is not None:
            task.parent.children.remove(task)
        if task.study is not None:
            task.study.tasks.remove(task)
        left = self._job_tasks[task.job_id] - 1
        if left:
            self._job_tasks[task.job_id] = left
        else:
            del self._job_tasks[task.job_id]
        del self.tasks[task.id]

    def delete_task_tree(self, task: Task) -> None:
        """DELETE /task/{id}: the task's own runs, then its subtasks (whose runs are orphaned),
        then the task."""
        for run in list(task.runs):
            self.delete_run(run)
        self._delete_subtasks(task)
        self.delete_task(task)

    def _delete_subtasks(self, task: Task) -> None:
        for child in list(task.children):
            self._delete_subtasks(child)
            self.delete_task(child)

    # ------------------------------------------------------------------ run updates
    def fail_unstarted_siblings(self, run: Run) -> list[Run]:
        """Fail-fast (resource/run.py): a failed run marks siblings that never started as failed.
        Returns the siblings it failed."""
        reason = (f"Marked as failed because sibling run id={run.id} failed with status "
                  f"'{run.status}'.")
        now = self.clock.now()
        failed = []
        for sibling in run.task.runs:
            if sibling is run or sibling.started_at is not None or sibling.finished_at is not None:
                continue
            sibling.status = TaskStatus.FAILED.value
            sibling.finished_at = now
            if not sibling.log:
                sibling.log = reason
            failed.append(sibling)
        return failed

    def kill_task(self, task: Task) -> list[dict]:
        """Mark unfinished runs of a task and its direct children as killed; return the kill list."""
        kill_list = [{"task_id": t.id, "run_id": r.id, "organization_id": r.organization.id}
                     for t in [task, *task.children] for r in t.runs
                     if not has_task_finished(r.status)]
        now = self.clock.now()
        for t in [task, *task.children]:
            for r in t.runs:
                if not has_task_finished(r.status):
                    r.status = TaskStatus.KILLED.value
                    r.finished_at = now
        return kill_list
