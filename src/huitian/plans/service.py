"""Plans and projects: the seed plans, scoped edits, progress roll-up, late flags, the monthly dispatch
sheet (月调度), the micro-project library and the before/after measure of a finished project.

This is the plans domain's one public face: other domains, the routes and the tests call
`from huitian.plans import service`. The work lives in modules by concern:

- plans/seeds.py        the seed plans read from plans/data
- plans/reading.py      plans, tasks, targets and projects as read, progress roll-up, late flags
- plans/access.py       who may read what (`visible_ids` …) and who may change what
- plans/projects.py     projects, milestones and progress reports
- plans/supervision.py  supervision notes and the monthly dispatch sheet
- plans/micro.py        the micro-project library
- plans/effect.py       did it work? complaints before and after a finished project
"""

from __future__ import annotations

from huitian.plans.access import (
    AREA_PLAN_ROLES,
    PLAN_READERS,
    WHOLE_PLAN_ROLES,
    may_read_internal,
    may_read_plans,
    readable_plan,
    readable_plans,
    readable_reports,
    require_internal,
    require_manage,
    require_reader,
    require_report,
    scoped_plan,
    visible_ids,
    visible_project,
    visible_task,
)
from huitian.plans.effect import add_months, effect
from huitian.plans.micro import (
    LIBRARY_STATUSES,
    area_names,
    create_micro,
    get_micro,
    micro_page,
    update_micro,
)
from huitian.plans.projects import (
    UNIT_FIELDS,
    add_milestone,
    create_project,
    submit_report,
    update_milestone,
    update_project,
)
from huitian.plans.reading import (
    get_plan,
    get_project,
    get_task,
    list_plans,
    list_reports,
    read_plan,
    read_project,
    task_progress,
    today,
    weighted_mean,
)
from huitian.plans.seeds import DATA_DIR, SEED_FILES, load_seed_plans
from huitian.plans.supervision import (
    REASON_LABELS,
    add_note,
    dispatch_sheet,
    follow_up_note,
    get_note,
    notes_of,
)

__all__ = [
    "AREA_PLAN_ROLES",
    "DATA_DIR",
    "LIBRARY_STATUSES",
    "PLAN_READERS",
    "REASON_LABELS",
    "SEED_FILES",
    "UNIT_FIELDS",
    "WHOLE_PLAN_ROLES",
    "add_milestone",
    "add_months",
    "add_note",
    "area_names",
    "create_micro",
    "create_project",
    "dispatch_sheet",
    "effect",
    "follow_up_note",
    "get_micro",
    "get_note",
    "get_plan",
    "get_project",
    "get_task",
    "list_plans",
    "list_reports",
    "load_seed_plans",
    "may_read_internal",
    "may_read_plans",
    "micro_page",
    "notes_of",
    "read_plan",
    "read_project",
    "readable_plan",
    "readable_plans",
    "readable_reports",
    "require_internal",
    "require_manage",
    "require_reader",
    "require_report",
    "scoped_plan",
    "submit_report",
    "task_progress",
    "today",
    "update_micro",
    "update_milestone",
    "update_project",
    "visible_ids",
    "visible_project",
    "visible_task",
    "weighted_mean",
]
