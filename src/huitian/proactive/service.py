"""Proactive governance: early warnings (未诉先办) and the monthly topics (每月一题).

The domain's one door for api.py, web.py, jobs.py, other domains, tests and the backtest: each name
below lives in a module of its own concern, re-exported here so callers keep
`from huitian.proactive import service as proactive_service`.

- scope.py      who may see and choose (VIEW_ROLES, CHOOSE_ROLES), area clauses, taxonomy look-ups
- detectors.py  the spike detector (`spike_test`, pure: the product and bench/backtest.py share it),
                the spike and repeat detectors and `compute_warnings`, the run that records them
- warnings.py   reading, listing and deciding warnings, and turning one into a proactive order
- phrases.py    key phrases: jieba terms and class-based TF-IDF
- topics.py     monthly topics: candidates, choosing, tasks, orders, effect (difference in
                differences), the micro-project proposal
"""

from __future__ import annotations

from huitian.proactive.detectors import (
    DEFAULT_PARAMS,
    PLACE_CELL_DEG,
    RECENT_WEEKS,
    REPEAT_MIN,
    REPEAT_WINDOW,
    SEASON_WEEKS,
    WEEK,
    SpikeParams,
    SpikeResult,
    compute_warnings,
    detect_repeats,
    detect_spikes,
    spike_test,
)
from huitian.proactive.phrases import c_tf_idf, terms
from huitian.proactive.scope import CHOOSE_ROLES, VIEW_ROLES
from huitian.proactive.topics import (
    add_task,
    candidate_for,
    candidates,
    choose_topic,
    effect,
    finish_task,
    get_topic,
    list_topics,
    raise_micro_project,
    read_topic,
    topic_orders,
)
from huitian.proactive.warnings import (
    decide_warning,
    get_warning,
    list_warnings,
    read_warnings,
    warning_order,
)

__all__ = [
    "CHOOSE_ROLES",
    "DEFAULT_PARAMS",
    "PLACE_CELL_DEG",
    "RECENT_WEEKS",
    "REPEAT_MIN",
    "REPEAT_WINDOW",
    "SEASON_WEEKS",
    "VIEW_ROLES",
    "WEEK",
    "SpikeParams",
    "SpikeResult",
    "add_task",
    "c_tf_idf",
    "candidate_for",
    "candidates",
    "choose_topic",
    "compute_warnings",
    "decide_warning",
    "detect_repeats",
    "detect_spikes",
    "effect",
    "finish_task",
    "get_topic",
    "get_warning",
    "list_topics",
    "list_warnings",
    "raise_micro_project",
    "read_topic",
    "read_warnings",
    "spike_test",
    "terms",
    "topic_orders",
    "warning_order",
]
