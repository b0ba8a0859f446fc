"""Category suggestions for operators, trained on the platform's own closed orders.

- `train` fits a TextClassifier (title + description → third-level category code) on every closed
  order whose final category is a third-level one, evaluates a twin on a held-out split (macro-F1),
  saves the model under the model directory and records a ModelVersion. An operator's correction
  (dispatching with another category than the top suggestion) changes the order's final category,
  so the next training learns from it.
- A second model (target "unit") learns the lead unit from the text and the place (the names of the
  order's street, community and grid) of closed orders: an operator who dispatches to another unit
  than suggested changes the order's final lead unit, so the next training learns that too.
- `suggest` gives the top three categories with calibrated confidence and the top three units: the
  routing catalogue (`dispatch.service.route`) applied to the category probabilities, mixed with the
  unit model's probabilities. A catalogue rule (派单目录) beats both models.
- `should_auto_dispatch` decides whether a suggestion is sure enough to dispatch without an operator.

Settings: HUITIAN_MODEL_DIR (default ./models) is where model files are written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huitian.areas import service as areas_service
from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.config import get_settings
from huitian.db import utcnow
from huitian.dispatch import service as dispatch_service
from huitian.dispatch.enums import RouteReason
from huitian.errors import NotFound, Unprocessable
from huitian.intelligence.classifier import TextClassifier, score_predictions
from huitian.intelligence.models import IntelligenceSetting, ModelVersion, Suggestion, TrainingRun
from huitian.orders import queries as orders_queries
from huitian.orders.queries import Order
from huitian.units import service as units_service

CATEGORY = "category"
UNIT = "unit"
TARGETS = (CATEGORY, UNIT)
# Weight of the unit model beside catalogue(category model) in a unit's confidence: even against the
# catalogue's category defaults, and stronger than 属地 (the street office), which is only the fallback.
UNIT_MODEL_WEIGHT = 0.5
UNIT_MODEL_WEIGHT_OVER_TERRITORIAL = 0.8
THRESHOLD_KEY = "auto_dispatch_threshold"
MIN_TEST_SHARE = 0.2


def model_dir() -> Path:
    """Where trained models are written (HUITIAN_MODEL_DIR, default ./models)."""
    return Path(get_settings().model_dir).expanduser()


# --- training data --------------------------------------------------------------------------------------


def order_text(title: str | None, description: str | None) -> str:
    return f"{title or ''}\n{description or ''}".strip()


def unit_text(title: str | None, description: str | None, place: list[str]) -> str:
    """The unit model's input: the order's text and the names of its place below the district."""
    text = order_text(title, description)
    return f"{text}\n地点:{' '.join(place[1:])}" if place else text


def training_rows(session: Session, *, target: str = CATEGORY) -> tuple[list[str], list[str]]:
    """(texts, labels) of the closed orders: for "category", those whose category is a third-level one
    (label: its code); for "unit", those with a lead unit (label: the unit's code, text with place).
    The orders come from orders.queries."""
    if target == UNIT:
        units = {i: u.code for i, u in units_service.directory(session).items()}
        rows = orders_queries.closed_with_lead_unit(session)
        places = {p: areas_service.names_on_path(session, path=p) for p in {r.area_path for r in rows} if p}
        rows = [r for r in rows if r.lead_unit_id in units]
        return (
            [unit_text(r.title, r.description, places.get(r.area_path, [])) for r in rows],
            [units[r.lead_unit_id] for r in rows],
        )
    leaf = {c.id: c.code for c in categories_service.list_categories(session, level=3)}
    rows = orders_queries.closed_in_categories(session, category_ids=leaf)
    return [order_text(r.title, r.description) for r in rows], [leaf[r.category_id] for r in rows]


def corrections(session: Session) -> list[tuple[int, str, str]]:
    """(order id, suggested code, final code) of orders whose final category differs from the latest
    top suggestion shown for them: the operators' corrections."""
    latest = (
        select(Suggestion.order_id, func.max(Suggestion.id).label("sid"))
        .group_by(Suggestion.order_id)
        .subquery()
    )
    codes = categories_service.codes_by_id(session)
    rows = session.execute(
        select(Suggestion.order_id, Suggestion.category_code)
        .join(latest, latest.c.sid == Suggestion.id)
        .where(Suggestion.category_code.is_not(None))
    ).all()
    finals = orders_queries.final_fields(session, ids=[r.order_id for r in rows])
    out = []
    for order_id, suggested in rows:
        now = finals.get(order_id)
        final = codes.get(now.category_id) if now is not None and now.category_id is not None else None
        if final is not None and final != suggested:
            out.append((order_id, suggested, final))
    return out


def unit_corrections(session: Session) -> list[tuple[int, str, str]]:
    """(order id, suggested unit, final lead unit) where the operator dispatched elsewhere than the
    latest suggestion said."""
    latest = (
        select(Suggestion.order_id, func.max(Suggestion.id).label("sid"))
        .group_by(Suggestion.order_id)
        .subquery()
    )
    units = {i: u.code for i, u in units_service.directory(session).items()}
    rows = session.execute(
        select(Suggestion.order_id, Suggestion.unit_code)
        .join(latest, latest.c.sid == Suggestion.id)
        .where(Suggestion.unit_code.is_not(None))
    ).all()
    finals = orders_queries.final_fields(session, ids=[r.order_id for r in rows])
    out = []
    for order_id, suggested in rows:
        now = finals.get(order_id)
        unit_id = now.lead_unit_id if now is not None else None
        if unit_id is not None and unit_id in units and units[unit_id] != suggested:
            out.append((order_id, suggested, units[unit_id]))
    return out


# --- training and versions ------------------------------------------------------------------------------


def evaluate_holdout(texts: list[str], labels: list[str], *, seed: int = 0) -> dict:
    """Macro-F1 and accuracy of a model trained on a stratified 80 % and tested on the other 20 %;
    when some label has a single example, there is nothing fair to hold out, and that is said."""
    from sklearn.model_selection import train_test_split

    n_labels = len(set(labels))
    test_size = max(MIN_TEST_SHARE, n_labels / len(labels))
    try:
        tr_x, te_x, tr_y, te_y = train_test_split(
            texts, labels, test_size=test_size, stratify=labels, random_state=seed
        )
    except ValueError as exc:
        return {"macro_f1": None, "note": f"no held-out split: {exc}"}
    if len(set(tr_y)) < 2 or len(te_y) < 2:
        return {"macro_f1": None, "note": "too few orders for a held-out split"}
    model = TextClassifier().fit(tr_x, tr_y)
    scores = score_predictions(te_y, model.predict(te_x))
    return {
        "macro_f1": scores["macro_f1"],
        "accuracy": scores["accuracy"],
        "n_test": len(te_y),
        "per_class_f1": scores["per_class_f1"],
    }


def fit_candidate(
    texts: list[str], labels: list[str], *, target: str = CATEGORY, seed: int = 0
) -> tuple[TextClassifier, dict]:
    """A model fitted on every row, and its evaluation by a twin trained on a held-out split. Pure: no
    session, so that the worker trains outside any transaction."""
    if target not in TARGETS:
        raise Unprocessable(f"unknown model target {target!r}; one of {', '.join(TARGETS)}", field="target")
    if len(set(labels)) < 2:
        what = "third-level categories" if target == CATEGORY else "lead units"
        raise Unprocessable(f"training needs closed orders of at least two {what}", field="orders")
    evaluation = evaluate_holdout(texts, labels, seed=seed)
    evaluation["n"] = len(labels)
    return TextClassifier().fit(texts, labels), evaluation


def record_version(
    session: Session, *, target: str, model: TextClassifier, evaluation: dict, created_by: str
) -> ModelVersion:
    """Save a fitted model under the next version number of its target and record it (not active)."""
    version = (
        session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.target == target)) or 0
    ) + 1
    path = model_dir() / f"{target}-v{version}-{model.metadata['version']}.joblib"
    model.save(path)
    evaluation = dict(evaluation)
    evaluation["labels"] = len(model.classes_)
    evaluation["n_corrections"] = len(
        corrections(session) if target == CATEGORY else unit_corrections(session)
    )
    row = ModelVersion(
        target=target,
        version=version,
        created_at=utcnow(),
        created_by=created_by,
        n_train=int(model.metadata.get("n_train", evaluation.get("n", 0))),
        evaluation=evaluation,
        path=str(path.resolve()),
        active=False,
    )
    session.add(row)
    session.flush()
    return row


def train(
    session: Session,
    *,
    principal: Principal,
    activate: bool = True,
    seed: int = 0,
    target: str = CATEGORY,
) -> ModelVersion:
    """Train a new model of `target` ("category" or "unit") from closed orders now, evaluate it on a
    held-out split, save it, record it (and make it the active one unless `activate` is false)."""
    if target not in TARGETS:
        raise Unprocessable(f"unknown model target {target!r}; one of {', '.join(TARGETS)}", field="target")
    texts, labels = training_rows(session, target=target)
    model, evaluation = fit_candidate(texts, labels, target=target, seed=seed)
    row = record_version(
        session, target=target, model=model, evaluation=evaluation, created_by=principal.name
    )
    if activate:
        activate_model(session, model_id=row.id)
    return row


# --- retraining (the worker job intelligence.retrain) ---------------------------------------------------

RETRAIN_MIN_NEW_KEY = "retrain_min_new"
RETRAIN_REQUEST_KEY = "retrain_requested"
DEFAULT_RETRAIN_MIN_NEW = 200
# A run that has held its claim this long is taken to have died with its process.
STALE_RUN_S = 3600


def training_count(session: Session, *, target: str) -> int:
    """How many rows `training_rows` would give now (a count, for deciding whether to retrain)."""
    if target == UNIT:
        return orders_queries.count_closed_with_lead_unit(session)
    leaf = [c.id for c in categories_service.list_categories(session, level=3)]
    return orders_queries.count_closed_in_categories(session, category_ids=leaf)


def retrain_min_new(session: Session) -> int:
    row = session.get(IntelligenceSetting, RETRAIN_MIN_NEW_KEY)
    return DEFAULT_RETRAIN_MIN_NEW if row is None else int(row.value.get("value"))


def set_retrain_min_new(session: Session, *, value: int) -> int:
    """How many more closed orders than the latest version was trained on make the job retrain."""
    if value < 1:
        raise Unprocessable("retrain_min_new must be a positive number of orders", field="retrain_min_new")
    _put_setting(session, RETRAIN_MIN_NEW_KEY, {"value": value})
    return value


def request_training(session: Session, *, principal: Principal) -> None:
    """Ask the worker to train every target at its next round, whatever the amount of new data."""
    _put_setting(
        session, RETRAIN_REQUEST_KEY, {"value": True, "by": principal.name, "at": utcnow().isoformat()}
    )


def clear_training_request(session: Session) -> None:
    if training_requested(session):
        _put_setting(session, RETRAIN_REQUEST_KEY, {"value": False})


def training_requested(session: Session) -> dict | None:
    row = session.get(IntelligenceSetting, RETRAIN_REQUEST_KEY)
    return row.value if row is not None and row.value.get("value") else None


def _put_setting(session: Session, key: str, value: dict) -> None:
    row = session.get(IntelligenceSetting, key)
    if row is None:
        session.add(IntelligenceSetting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def retrain_due(session: Session, *, target: str) -> str | None:
    """Why `target` should be retrained now (requested by an admin, or enough new closed orders since
    the latest version, promoted or not), or None."""
    if training_requested(session):
        return "requested"
    latest = session.scalar(
        select(ModelVersion.n_train)
        .where(ModelVersion.target == target)
        .order_by(ModelVersion.version.desc())
        .limit(1)
    )
    new = training_count(session, target=target) - (latest or 0)
    return f"{new} new closed orders" if new >= retrain_min_new(session) else None


def claim_run(session: Session, *, target: str, trigger: str, note: str | None = None) -> TrainingRun | None:
    """Start a training run of `target`, or None when another process is training it. Flushes."""
    stale = utcnow() - timedelta(seconds=STALE_RUN_S)
    session.execute(
        update(TrainingRun)
        .where(TrainingRun.claim == target, TrainingRun.started_at < stale)
        .values(claim=None, status="failed", finished_at=utcnow(), note="abandoned (no end after an hour)")
    )
    run = TrainingRun(target=target, trigger=trigger, status="running", claim=target, note=note)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return None
    return run


def not_worse(new: dict, current: dict | None) -> bool:
    """A new version may replace the current one when its held-out macro-F1 is at least as good (a
    version that could not be evaluated replaces only nothing)."""
    if current is None:
        return True
    new_f1, old_f1 = new.get("macro_f1"), current.get("macro_f1")
    if new_f1 is None:
        return False
    return old_f1 is None or new_f1 >= old_f1


def finish_run(
    session: Session, *, run_id: int, model: ModelVersion | None = None, note: str | None = None
) -> TrainingRun:
    """End a run: with a new version, promote it when it is not worse than the active one; without
    one, the run failed (`note` says why). Releases the claim. Flushes."""
    run = session.get(TrainingRun, run_id)
    if run is None:
        raise NotFound(f"training run {run_id} not found")
    run.claim, run.finished_at = None, utcnow()
    if model is None:
        run.status, run.note = "failed", (note or "")[:500]
        session.flush()
        return run
    run.model_id, run.n_train = model.id, model.n_train
    current = session.scalar(
        select(ModelVersion).where(ModelVersion.target == model.target, ModelVersion.active.is_(True))
    )
    if not_worse(model.evaluation, current.evaluation if current else None):
        activate_model(session, model_id=model.id)
        run.status = "promoted"
    else:
        run.status = "kept"
        run.note = (
            f"未启用:留出集宏F1 {model.evaluation.get('macro_f1')} 低于当前第{current.version}版的 "
            f"{current.evaluation.get('macro_f1')}"
        )[:500]
    session.flush()
    return run


def list_runs(session: Session, *, limit: int = 20) -> list[TrainingRun]:
    return list(session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))


def list_models(session: Session, *, target: str = CATEGORY) -> list[ModelVersion]:
    stmt = select(ModelVersion).where(ModelVersion.target == target).order_by(ModelVersion.version.desc())
    return list(session.scalars(stmt))


def get_model(session: Session, *, model_id: int) -> ModelVersion:
    row = session.get(ModelVersion, model_id)
    if row is None:
        raise NotFound(f"model {model_id} not found", field="model_id")
    return row


def activate_model(session: Session, *, model_id: int) -> ModelVersion:
    """Make this version the one that suggests (activating an older one rolls back)."""
    row = get_model(session, model_id=model_id)
    if not Path(row.path).is_file():
        raise Unprocessable(f"model file {row.path} is missing", field="model_id")
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.target == row.target, ModelVersion.id != row.id)
        .values(active=False)
    )
    row.active = True
    session.flush()
    return row


def active_model(session: Session, *, target: str = CATEGORY) -> tuple[ModelVersion, TextClassifier] | None:
    row = session.scalar(
        select(ModelVersion).where(ModelVersion.target == target, ModelVersion.active.is_(True))
    )
    if row is None:
        return None
    return row, _load(row.path)


_loaded: dict[str, TextClassifier] = {}
_load_lock = threading.Lock()


def _load(path: str) -> TextClassifier:
    """Models by file path, loaded once per process (files are never rewritten: each version has its own)."""
    model = _loaded.get(path)
    if model is None:
        with _load_lock:
            model = _loaded.get(path) or TextClassifier.load(path)
            _loaded[path] = model
    return model


# --- suggestions ----------------------------------------------------------------------------------------


@dataclass
class Suggested:
    code: str
    name: str
    confidence: float | None
    reason: str | None = None


@dataclass
class Suggestions:
    category: list[Suggested] = field(default_factory=list)
    unit: list[Suggested] = field(default_factory=list)
    model_version: int | None = None
    unit_model_version: int | None = None
    # The dispatch auto-dispatch would do: the top category, and the catalogue rule's unit when a rule
    # covers it, else the best unit; with that unit's confidence.
    dispatch_category: str | None = None
    dispatch_unit: str | None = None
    dispatch_confidence: float | None = None


def _unit_model_scores(session: Session, *, order: Order, k: int) -> tuple[int | None, dict[str, float]]:
    """The unit model's version and its top `k` active units with calibrated probabilities."""
    loaded = active_model(session, target=UNIT)
    if loaded is None:
        return None, {}
    row, model = loaded
    place = areas_service.names_on_path(session, path=order.area_path)
    ranked = model.top_k([unit_text(order.title, order.description, place)], k=k)[0]
    by_code = {u.code: u for u in units_service.directory(session).values()}
    out = {}
    for code, p in ranked:
        info = by_code.get(code)
        if info is not None and units_service.get(session, unit_id=info.id).active:
            out[code] = p
    return row.version, out


def suggest(session: Session, *, order: Order, k: int = 3) -> Suggestions:
    """The top `k` categories from the active category model, and the top `k` units: the catalogue's
    unit for each category (a unit reached by several categories adds their confidences), mixed with
    the unit model's probabilities (UNIT_MODEL_WEIGHT; more when the top category only falls back to 属地)
    where one is active. Without a category model,
    the order's own category (if any) is routed, with no confidence."""
    out = Suggestions()
    loaded = active_model(session)
    ranked: list[tuple[str, float | None]] = []
    if loaded is not None:
        row, model = loaded
        out.model_version = row.version
        ranked = model.top_k([order_text(order.title, order.description)], k=k)[0]
    elif order.category_id is not None:
        ranked = [(categories_service.codes_by_id(session)[order.category_id], None)]
    routed: dict[str, Suggested] = {}
    rule_unit: str | None = None
    top_reason: RouteReason | None = None
    for code, confidence in ranked:
        try:
            category = categories_service.get_by_code_cached(session, code=code)
        except NotFound:
            continue  # a label of an old model whose category was since removed
        if not category.active:
            continue
        out.category.append(Suggested(code=code, name=category.name, confidence=confidence))
        route = dispatch_service.route(session, category_id=category.id, area_path=order.area_path)
        if len(out.category) == 1:
            top_reason = route.reason
            if route.reason == RouteReason.RULE and route.unit is not None:
                rule_unit = route.unit.code
        if route.unit is None:
            continue
        seen = routed.get(route.unit.code)
        if seen is None:
            routed[route.unit.code] = Suggested(
                route.unit.code, route.unit.name, confidence, route.reason.value
            )
        elif confidence is not None and seen.confidence is not None:
            seen.confidence = round(seen.confidence + confidence, 4)
    out.unit_model_version, learned = _unit_model_scores(session, order=order, k=k)
    units = routed
    if learned:
        names = {u.code: u.name for u in units_service.directory(session).values()}
        w = 1.0
        if routed and out.model_version is not None:
            territorial = top_reason == RouteReason.TERRITORIAL
            w = UNIT_MODEL_WEIGHT_OVER_TERRITORIAL if territorial else UNIT_MODEL_WEIGHT
        units = {}
        for code in routed.keys() | learned.keys():
            via = routed.get(code)
            conf = (1 - w) * ((via.confidence or 0.0) if via else 0.0) + w * learned.get(code, 0.0)
            reason = via.reason if via else RouteReason.MODEL.value
            units[code] = Suggested(code, names[code], round(conf, 4), reason)
    out.unit = sorted(units.values(), key=lambda u: (-(u.confidence or 0.0), u.code))[:k]
    if out.category:
        out.dispatch_category = out.category[0].code
        if rule_unit is not None:  # 派单目录: a rule beats every model, and is shown first
            out.dispatch_unit, out.dispatch_confidence = rule_unit, out.category[0].confidence
            out.unit = [units[rule_unit], *(u for u in out.unit if u.code != rule_unit)][:k]
        elif out.unit:
            out.dispatch_unit, out.dispatch_confidence = out.unit[0].code, out.unit[0].confidence
    return out


def record(session: Session, *, order: Order, suggestions: Suggestions, model_id: int | None) -> None:
    """Remember what was suggested for an order (once per order and model), so corrections can be told."""
    same_model = Suggestion.model_id.is_(None) if model_id is None else Suggestion.model_id == model_id
    exists = session.scalar(select(Suggestion.id).where(Suggestion.order_id == order.id, same_model))
    if exists is not None or not suggestions.category:
        return
    top = suggestions.category[0]
    session.add(
        Suggestion(
            order_id=order.id,
            model_id=model_id,
            category_code=top.code,
            confidence=top.confidence,
            unit_code=suggestions.dispatch_unit,
            created_at=utcnow(),
        )
    )
    session.flush()


def should_auto_dispatch(suggestion: Suggestions, threshold: float | None) -> bool:
    """Dispatch without an operator only when the admin set a threshold, a model made the suggestion,
    its top category is at least that sure, and the unit it would go to is too (a catalogue rule's
    unit counts as sure as the category)."""
    if threshold is None or not suggestion.category or suggestion.model_version is None:
        return False
    top = suggestion.category[0]
    return (
        top.confidence is not None
        and top.confidence >= threshold
        and suggestion.dispatch_category == top.code
        and suggestion.dispatch_unit is not None
        and suggestion.dispatch_confidence is not None
        and suggestion.dispatch_confidence >= threshold
    )


# --- settings -------------------------------------------------------------------------------------------


def auto_dispatch_threshold(session: Session) -> float | None:
    row = session.get(IntelligenceSetting, THRESHOLD_KEY)
    return None if row is None else row.value.get("value")


def set_auto_dispatch_threshold(session: Session, *, threshold: float | None) -> float | None:
    """None switches auto-dispatch off; else a confidence in (0, 1]."""
    if threshold is not None and not 0 < threshold <= 1:
        raise Unprocessable(
            "threshold must be in (0, 1], or null to switch auto-dispatch off", field="threshold"
        )
    row = session.get(IntelligenceSetting, THRESHOLD_KEY)
    if row is None:
        row = IntelligenceSetting(key=THRESHOLD_KEY, value={"value": threshold})
        session.add(row)
    else:
        row.value = {"value": threshold}
    session.flush()
    return threshold
