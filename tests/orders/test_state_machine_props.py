"""Property test of the order's state machine: hypothesis drives any sequence of actions by any of
several roles on a few orders through orders.flows.perform. Each action is allowed or refused exactly
as RULES say (a state that does not allow it: 409; a role that may not: 403); a refused action changes
nothing; an applied one leaves a valid state, moves the version by one and appends its events; at the
end every history is a valid walk and every hash chain verifies."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from huitian.auth import service as auth_service
from huitian.db import Database
from huitian.errors import Conflict, DomainError, Forbidden
from huitian.orders import flows
from huitian.orders import service as orders_service
from huitian.orders.enums import Action, OrderStatus, OrderType, Outcome, Satisfaction
from huitian.orders.models import Order, OrderEvent
from huitian.orders.schemas import ActionRequest, OrderCreate

USERS = ["operator", "handler1", "lead1", "handler2", "super1", "district", "resident1"]
UNITS = ["ST1", "ST2", "BUR", "GOV", "NOPE"]
REACHED: set[OrderStatus] = set()  # states the applied actions led to, over the whole run


def params(action: Action):
    """Plausible (and sometimes missing) parameters for an action."""
    maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
    return st.fixed_dictionaries(
        {},
        optional={
            "unit": st.sampled_from(UNITS),
            "task": st.just("配合处置"),
            "reason": st.just("原因"),
            "note": st.just("已联系"),
            "text": st.just("已处理"),
            "days": st.integers(1, 5),
            "approve": st.booleans(),
            "resolved": st.booleans(),
            "satisfaction": maybe(st.sampled_from(list(Satisfaction))),
            "outcome": st.sampled_from(list(Outcome)),
        },
    )


class OrderMachine(RuleBasedStateMachine):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.ids: list[int] = []

    def principal(self, session, username: str):
        user = auth_service.get_user_by_username(session, username=username)
        return auth_service.principal_for_user(session, user=user)

    @initialize(
        types=st.lists(st.sampled_from([OrderType.COMPLAINT, OrderType.CONSULTATION]), min_size=2, max_size=3)
    )
    def file_orders(self, types) -> None:
        with self.db.write() as s:
            for i, t in enumerate(types):
                who = self.principal(s, "resident1" if i == 0 else "operator")
                data = OrderCreate(type=t, description="路灯不亮", lat=40.07, lon=116.31)
                self.ids.append(orders_service.create_order(s, data=data, principal=who).order.id)
            s.commit()

    @rule(
        data=st.data(),
        which=st.integers(0, 2),
        user=st.sampled_from(USERS),
        action=st.sampled_from(list(Action)),
    )
    def act(self, data, which: int, user: str, action: Action) -> None:
        """Any action by anyone, with plausible or missing parameters."""
        oid = self.ids[which % len(self.ids)]
        extra = data.draw(params(action))
        if action == Action.MERGE:
            extra["into"] = str(data.draw(st.sampled_from(self.ids)))
        self.apply(oid, user, action, extra)

    @rule(data=st.data(), which=st.integers(0, 2), user=st.sampled_from(USERS))
    def act_allowed(self, data, which: int, user: str) -> None:
        """One of the actions the order offers this user, with every parameter: drives orders deep."""
        oid = self.ids[which % len(self.ids)]
        with self.db.read() as s:
            rel = flows.relation(s, order=s.get(Order, oid), principal=self.principal(s, user))
            offered = flows.allowed_actions(rel)
        if not offered:
            return
        action = Action(data.draw(st.sampled_from(offered)))
        extra = {
            "unit": data.draw(st.sampled_from(["ST1", "ST2"])),
            "task": "配合处置",
            "reason": "原因",
            "note": "已联系",
            "text": "已处理",
            "days": 3,
            "approve": data.draw(st.booleans()),
            "resolved": data.draw(st.booleans()),
            "satisfaction": data.draw(st.sampled_from(list(Satisfaction))),
            "outcome": Outcome.OUT_OF_SCOPE,
            "into": str(data.draw(st.sampled_from(self.ids))),
        }
        self.apply(oid, user, action, extra)

    def apply(self, oid: int, user: str, action: Action, extra: dict) -> None:
        with self.db.write() as s:
            order = s.get(Order, oid, populate_existing=True)
            who = self.principal(s, user)
            before = (OrderStatus(order.status), order.version, self._events(s, oid))
            rel = flows.relation(s, order=order, principal=who)
            r = flows.RULES[action]
            expect = "state" if not r.applies(order) else "role" if not r.may(rel) else "run"
            req = ActionRequest(action=action, version=order.version, **extra)
            try:
                flows.perform(s, order=order, principal=who, req=req)
                s.commit()
                outcome = None
            except DomainError as exc:
                s.rollback()
                outcome = exc
        with self.db.read() as s:
            order = s.get(Order, oid)
            after = (OrderStatus(order.status), order.version, self._events(s, oid))
        if expect == "state":
            assert isinstance(outcome, Conflict) and outcome.field == "action", (action, user, outcome)
        elif expect == "role":
            assert isinstance(outcome, Forbidden), (action, user, outcome)
        elif outcome is not None:  # allowed, refused by the handler: a missing or bad parameter
            assert outcome.status_code in (409, 422) and outcome.field != "action", (action, outcome)
        if outcome is not None:
            assert after == before, "a refused action changed the order"
            return
        status, version, events = after
        REACHED.add(status)
        assert version == before[1] + 1, (action, before[1], version)
        added = 2 if status == OrderStatus.DISPUTED and before[0] != OrderStatus.DISPUTED else 1
        assert events == before[2] + added
        if action in flows.STATELESS:
            assert status == before[0]

    def _events(self, s, oid: int) -> int:
        return s.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == oid))

    @invariant()
    def histories_are_walks(self) -> None:
        with self.db.read() as s:
            for oid in self.ids:
                order = s.get(Order, oid)
                status = None
                for e in orders_service.events_of(s, order_id=oid):
                    if e.from_status is not None and status is not None:
                        assert e.from_status == status, (e.kind, e.from_status, status)
                    status = e.to_status or status
                assert status == order.status

    def teardown(self) -> None:
        if self.ids:
            with self.db.read() as s:
                assert orders_service.verify_histories(s)["problems"] == []


def test_any_sequence_of_actions_keeps_a_valid_state_and_a_complete_history(db: Database):
    run_state_machine_as_test(
        lambda: OrderMachine(db),
        settings=settings(
            max_examples=20,
            derandomize=True,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    assert len(REACHED) >= 4, f"the run should go beyond intake: {REACHED}"
