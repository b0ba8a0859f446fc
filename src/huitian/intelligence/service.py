"""Category suggestions for operators, trained on the platform's own closed orders.

- `train` fits a TextClassifier (title + description → third-level category code) on every closed
  order whose final category is a third-level one, evaluates a twin on a held-out split (macro-F1),
  saves the model under the model directory and records a ModelVersion. An operator's correction
  (dispatching with another category than the top suggestion) changes the order's final category,
  so the next training learns from it.
- `suggest` gives the top three categories with calibrated confidence and, through the routing
  catalogue (`dispatch.service.route`), the units they lead to.
- `should_auto_dispatch` decides whether a suggestion is sure enough to dispatch without an operator.

Settings: HUITIAN_MODEL_DIR (default ./models) is where model files are written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.categories import service as categories_service
from huitian.config import get_settings
from huitian.db import utcnow
from huitian.dispatch import service as dispatch_service
from huitian.errors import NotFound, Unprocessable
from huitian.intelligence.classifier import TextClassifier, score_predictions
from huitian.intelligence.models import IntelligenceSetting, ModelVersion, Suggestion
from huitian.orders.enums import OrderStatus
from huitian.orders.models import Order

CATEGORY = "category"
THRESHOLD_KEY = "auto_dispatch_threshold"
MIN_TEST_SHARE = 0.2


def model_dir() -> Path:
    """Where trained models are written (HUITIAN_MODEL_DIR, default ./models)."""
    return Path(get_settings().model_dir).expanduser()


# --- training data --------------------------------------------------------------------------------------


def order_text(title: str | None, description: str | None) -> str:
    return f"{title or ''}\n{description or ''}".strip()


def training_rows(session: Session) -> tuple[list[str], list[str]]:
    """(texts, labels) of every closed order whose category is a third-level one.

    Reads the orders table directly: orders.service has no export for training yet (see the report);
    this is the one place that does, and it only reads."""
    leaf = {c.id: c.code for c in categories_service.list_categories(session, level=3)}
    rows = session.execute(
        select(Order.title, Order.description, Order.category_id)
        .where(Order.status == OrderStatus.CLOSED.value, Order.category_id.in_(leaf) if leaf else false())
        .order_by(Order.id)
    ).all()
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
        select(Suggestion.order_id, Suggestion.category_code, Order.category_id)
        .join(latest, latest.c.sid == Suggestion.id)
        .join(Order, Order.id == Suggestion.order_id)
        .where(Suggestion.category_code.is_not(None), Order.category_id.is_not(None))
    ).all()
    out = []
    for order_id, suggested, category_id in rows:
        final = codes.get(category_id)
        if final is not None and final != suggested:
            out.append((order_id, suggested, final))
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
    return {"macro_f1": scores["macro_f1"], "accuracy": scores["accuracy"], "n_test": len(te_y)}


def train(session: Session, *, principal: Principal, activate: bool = True, seed: int = 0) -> ModelVersion:
    """Train a new category model from closed orders now, evaluate it, save it, record it."""
    texts, labels = training_rows(session)
    if len(set(labels)) < 2:
        raise Unprocessable(
            "training needs closed orders of at least two third-level categories", field="orders"
        )
    evaluation = evaluate_holdout(texts, labels, seed=seed)
    evaluation["n_corrections"] = len(corrections(session))
    model = TextClassifier().fit(texts, labels)
    version = (
        session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.target == CATEGORY)) or 0
    ) + 1
    path = model_dir() / f"{CATEGORY}-v{version}-{model.metadata['version']}.joblib"
    model.save(path)
    evaluation["labels"] = len(model.classes_)
    row = ModelVersion(
        target=CATEGORY,
        version=version,
        created_at=utcnow(),
        created_by=principal.name,
        n_train=len(labels),
        evaluation=evaluation,
        path=str(path.resolve()),
        active=False,
    )
    session.add(row)
    session.flush()
    if activate:
        activate_model(session, model_id=row.id)
    return row


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
    # The dispatch the top category leads to: what auto-dispatch would do.
    dispatch_category: str | None = None
    dispatch_unit: str | None = None


def suggest(session: Session, *, order: Order, k: int = 3) -> Suggestions:
    """The top `k` categories from the active model, and the units the catalogue routes them to in the
    order's area (a unit reached by several categories adds their confidences). Without a model, the
    order's own category (if any) is routed, with no confidence."""
    out = Suggestions()
    loaded = active_model(session)
    ranked: list[tuple[str, float | None]] = []
    if loaded is not None:
        row, model = loaded
        out.model_version = row.version
        ranked = model.top_k([order_text(order.title, order.description)], k=k)[0]
    elif order.category_id is not None:
        ranked = [(categories_service.codes_by_id(session)[order.category_id], None)]
    units: dict[str, Suggested] = {}
    for code, confidence in ranked:
        try:
            category = categories_service.get_by_code_cached(session, code=code)
        except NotFound:
            continue  # a label of an old model whose category was since removed
        if not category.active:
            continue
        out.category.append(Suggested(code=code, name=category.name, confidence=confidence))
        route = dispatch_service.route(session, category_id=category.id, area_path=order.area_path)
        if route.unit is None:
            continue
        if out.dispatch_category is None:
            out.dispatch_category, out.dispatch_unit = code, route.unit.code
        seen = units.get(route.unit.code)
        if seen is None:
            units[route.unit.code] = Suggested(
                route.unit.code, route.unit.name, confidence, route.reason.value
            )
        elif confidence is not None and seen.confidence is not None:
            seen.confidence = round(seen.confidence + confidence, 4)
    out.unit = sorted(units.values(), key=lambda u: -(u.confidence or 0.0))[:k]
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
    its top category is at least that sure, and the catalogue routes that category to a unit."""
    if threshold is None or not suggestion.category or suggestion.model_version is None:
        return False
    top = suggestion.category[0]
    return (
        top.confidence is not None
        and top.confidence >= threshold
        and suggestion.dispatch_category == top.code
        and suggestion.dispatch_unit is not None
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
