"""The monitor as the gateway sees it: plans per turn, over time, for adults and minors."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from companion_support import START, Clock, MonitorFactory

from hegui.companion import Action, CompanionMonitor
from hegui.errors import HeguiError
from hegui.policy import load_policy


def kinds(plan: object) -> list[str]:
    from hegui.companion import TurnPlan

    assert isinstance(plan, TurnPlan)
    return [f"{n.kind}:{n.reason}" for n in [*plan.prepend, *plan.append]]


def test_identity_notice_on_first_use_and_relogin_only(
    make_monitor: MonitorFactory, clock: Clock
) -> None:
    monitor = make_monitor()
    first = monitor.before_turn("app", "u1", "你好")
    assert first.action is Action.PROCEED and first.lang == "zh"
    assert kinds(first) == ["identity:first_use"]
    assert "人工智能" in first.prepend[0].text
    clock.advance(10)
    assert kinds(monitor.before_turn("app", "u1", "今天吃什么好呢？")) == []
    clock.advance(31)  # longer than the pack's 30-minute gap: a new session
    again = monitor.before_turn("app", "u1", "What should I cook tonight?")
    assert kinds(again) == ["identity:relogin"] and again.lang == "en"
    assert "AI" in again.prepend[0].text


def test_pause_reminder_fires_on_first_message_after_each_two_hours(
    make_monitor: MonitorFactory, clock: Clock
) -> None:
    monitor = make_monitor()
    fired: list[float] = []
    for minute in range(0, 250, 7):
        clock.now = START + timedelta(minutes=minute)
        plan = monitor.before_turn("app", "u1", "我们继续聊电影吧")
        if any(n.kind == "pause" for n in plan.prepend):
            fired.append(minute)
            assert f"{minute} 分钟" in next(n for n in plan.prepend if n.kind == "pause").text
            event = next(e for e in plan.events if e.kind == "pause_reminder")
            assert str(event.detail["due_at"]).startswith(
                (START + timedelta(minutes=120 * len(fired))).isoformat()[:16]
            )
    assert fired == [126, 245]


def test_minor_gets_break_reminders_every_three_hours_and_no_sexual_content(
    make_monitor: MonitorFactory, clock: Clock
) -> None:
    monitor = make_monitor("us-ca-sb243")
    first = monitor.before_turn("app", "kid", "hi!", minor=True)
    assert first.minor and set(first.blocked_risks) == {"sexual", "sexual_minors"}
    fired = []
    for minute in range(10, 400, 10):
        plan = monitor.before_turn("app", "kid", "tell me about planets", clock.advance(10))
        assert plan.minor, "minors mode is sticky"
        breaks = [n for n in plan.prepend if n.kind == "minor_break"]
        if breaks:
            fired.append(minute)
            assert "AI" in breaks[0].text
    assert fired == [180, 360]
    adult = monitor.before_turn("app", "adult", "hi")
    assert not adult.minor and adult.blocked_risks == []


def test_minor_daily_limit_ends_the_service(make_monitor: MonitorFactory, clock: Clock) -> None:
    monitor = make_monitor("cn-companion")
    actions = []
    for _ in range(14):
        actions.append(monitor.before_turn("app", "kid", "给我讲个故事", minor=True).action)
        clock.advance(5)
    assert Action.EXIT in actions
    limit = actions.index(Action.EXIT)
    assert limit * 5 >= 60 and all(a is Action.PROCEED for a in actions[:limit])
    plan = monitor.before_turn("app", "kid", "再聊一会儿")
    assert plan.action is Action.EXIT and "使用时间已到" in (plan.message or "")


@pytest.mark.parametrize("text", ["退出", " EXIT! ", "Stop.", "结束对话。"])
def test_exit_keyword_ends_the_service_at_once(make_monitor: MonitorFactory, text: str) -> None:
    monitor = make_monitor()
    monitor.before_turn("app", "u1", "你好")
    plan = monitor.before_turn("app", "u1", text)
    assert plan.action is Action.EXIT and plan.message
    assert plan.events[0].kind == "exit"


def test_exit_words_inside_a_sentence_do_not_exit(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor()
    assert (
        monitor.before_turn("app", "u1", "How do I stop my dog barking?").action is not Action.EXIT
    )
    assert monitor.before_turn("app", "u1", "我想退出这个群聊怎么办").action is not Action.EXIT


def test_exit_is_never_blocked_and_the_next_message_is_a_relogin(
    make_monitor: MonitorFactory, clock: Clock
) -> None:
    monitor = make_monitor()
    assert monitor.before_turn("app", "u1", "我今晚就要自杀").action is Action.ESCALATE
    plan = monitor.exit("app", "u1")
    assert plan.action is Action.EXIT and "结束" in (plan.message or "")
    clock.advance(1)
    after = monitor.before_turn("app", "u1", "你好")
    assert after.action is Action.HUMAN_TAKEOVER, "the case stays open for the human"


def test_exit_button_then_new_session(make_monitor: MonitorFactory, clock: Clock) -> None:
    monitor = make_monitor()
    monitor.before_turn("app", "u1", "hello")
    assert monitor.before_turn("app", "u1", "", exit_requested=True).action is Action.EXIT
    clock.advance(1)
    assert kinds(monitor.before_turn("app", "u1", "hello again")) == ["identity:relogin"]


def test_escalation_takeover_and_release(
    make_monitor: MonitorFactory, clock: Clock, database_url: str
) -> None:
    monitor = make_monitor("cn-companion", database_url)
    monitor.before_turn("app", "u1", "你好")
    clock.advance(2)
    plan = monitor.before_turn("app", "u1", "我已经决定了，今晚就去跳楼")
    assert plan.action is Action.ESCALATE and plan.case_id is not None
    assert "12356" in (plan.message or ""), "the crisis response lists the local hotline"
    (case,) = monitor.cases.find(open_only=True)
    assert case.id == plan.case_id and case.state == "open" and case.user_id == "u1"
    assert case.message == "我已经决定了，今晚就去跳楼" and case.notify_state == "off"
    clock.advance(1)
    held = monitor.before_turn("app", "u1", "你还在吗")
    assert held.action is Action.HUMAN_TAKEOVER and held.case_id == case.id
    assert "工作人员" in (held.message or "")
    clock.advance(5)
    acked = monitor.cases.acknowledge(case.id)
    assert acked.state == "acknowledged" and not acked.overdue
    assert monitor.before_turn("app", "u1", "嗯").action is Action.HUMAN_TAKEOVER
    with pytest.raises(HeguiError, match="only an open case"):
        monitor.cases.acknowledge(case.id)
    resolved = monitor.cases.resolve(case.id, "called the user; safe with family")
    assert resolved.state == "resolved" and resolved.resolved_at == clock.now
    assert monitor.cases.find(open_only=True) == []
    assert monitor.before_turn("app", "u1", "谢谢你们").action is Action.PROCEED
    report = monitor.report("app", 2026)
    assert (report.crisis_referrals, report.cases_opened, report.cases_resolved) == (1, 1, 1)


def test_overdue_case_is_flagged(make_monitor: MonitorFactory, clock: Clock) -> None:
    monitor = make_monitor("us-ca-sb243")
    plan = monitor.before_turn("app", "u1", "I'm going to kill myself tonight.")
    assert plan.action is Action.ESCALATE and "988" in (plan.message or "")
    clock.advance(16)
    assert monitor.cases.get(plan.case_id or 0).overdue


@pytest.mark.parametrize(
    "text",
    [
        "累死了",
        "笑死我了",
        "this traffic is killing me",
        "今天被老板骂了，心情很差",
        "my feet are killing me",
        "How do I kill a process in Linux?",
    ],
)
def test_everyday_distress_is_not_escalated(make_monitor: MonitorFactory, text: str) -> None:
    plan = make_monitor().before_turn("app", "u1", text)
    assert plan.action is Action.PROCEED
    assert not [n for n in plan.append if n.kind == "support"]


def test_ambiguous_self_harm_gets_a_support_notice(make_monitor: MonitorFactory) -> None:
    plan = make_monitor("us-ca-sb243").before_turn(
        "app", "u1", "I wish I could go to sleep and never wake up."
    )
    assert plan.action is Action.PROCEED
    support = [n for n in plan.append if n.kind == "support"]
    assert support and "988" in support[0].text


def test_dependence_signals_bring_identity_and_dependence_notices_once_per_session(
    make_monitor: MonitorFactory, clock: Clock
) -> None:
    monitor = make_monitor()
    noticed = []
    for text in [
        "只有你懂我",
        "你是我唯一能说心里话的人",
        "求你永远不要离开我",
        "没有你我不知道怎么办",
        "你比任何人都重要",
    ]:
        clock.advance(3)
        noticed.append(kinds(monitor.before_turn("app", "u1", text)))
    dependence = [i for i, k in enumerate(noticed) if "dependence:over_dependent" in k]
    assert len(dependence) == 1
    assert "identity:dependence" in noticed[dependence[0]]
    assert monitor.profile("app", "u1").over_dependent


def test_clock_skew_is_recorded_not_a_crash(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor()
    monitor.before_turn("app", "u1", "hello", START)
    plan = monitor.before_turn("app", "u1", "hello again", START - timedelta(minutes=5))
    assert plan.action is Action.PROCEED
    skew = [e for e in plan.events if e.kind == "clock_skew"]
    assert skew and plan.events[0].at == START
    assert monitor.profile("app", "u1").last_seen == START


def test_bad_input_errors_name_what_is_wrong(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor()
    with pytest.raises(HeguiError, match="no time zone"):
        monitor.before_turn("app", "u1", "hi", datetime(2026, 1, 1))
    with pytest.raises(HeguiError, match="no user 'ghost'"):
        monitor.profile("app", "ghost")
    assert monitor.after_turn(424242, "answer") is False
    with pytest.raises(HeguiError, match="no companion rules") as err:
        CompanionMonitor(load_policy("cn-tc260"), "sqlite://")
    assert "陪伴" in err.value.zh


def test_concurrent_messages_from_one_user_are_all_counted(
    make_monitor: MonitorFactory, database_url: str
) -> None:
    monitor = make_monitor("cn-companion", database_url)
    plans = []
    lock = threading.Lock()

    def send(i: int) -> None:
        plan = monitor.before_turn(
            "app", "u1", f"第{i}条消息：今天天气不错", START + timedelta(seconds=i)
        )
        with lock:
            plans.append(plan)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({p.turn_id for p in plans}) == 16
    assert sum("identity:first_use" in kinds(p) for p in plans) == 1
    assert monitor.profile("app", "u1").days[0].turns == 16


def test_async_callers_and_answers(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor()

    async def conversation() -> bool:
        plan = await monitor.abefore_turn("app", "u1", "讲个笑话")
        assert plan.turn_id is not None
        return await monitor.aafter_turn(plan.turn_id, "从前有座山……")

    assert asyncio.run(conversation()) is True


def test_deletion_keeps_a_content_free_trail(make_monitor: MonitorFactory, clock: Clock) -> None:
    monitor = make_monitor()
    monitor.before_turn("app", "u1", "你好")
    clock.advance(1)
    plan = monitor.before_turn("app", "u1", "我想自杀，药已经准备好了")
    assert plan.action is Action.ESCALATE
    assert monitor.users.delete_history("app", "u1") == 2
    case = monitor.cases.get(plan.case_id or 0)
    assert case.message is None and case.state == "open"
    assert monitor.profile("app", "u1").days == []
    assert monitor.report("app", 2026).crisis_referrals == 1
    with pytest.raises(HeguiError):
        monitor.users.delete_history("app", "nobody")


def test_minor_mode_appeal(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor()
    monitor.before_turn("app", "u1", "你好", minor=True)
    monitor.users.set_minor("app", "u1", False)
    assert not monitor.before_turn("app", "u1", "你好", START + timedelta(minutes=1)).minor


def test_report_counts_only_its_year(make_monitor: MonitorFactory) -> None:
    monitor = make_monitor("us-ca-sb243")
    monitor.before_turn(
        "app", "a", "I want to kill myself.", datetime(2026, 12, 31, 23, tzinfo=UTC)
    )
    monitor.before_turn(
        "app", "b", "I'm going to end my life tonight.", datetime(2027, 1, 2, tzinfo=UTC)
    )
    assert monitor.report("app", 2026).crisis_referrals == 1
    report = monitor.report("app", 2027)
    assert report.crisis_referrals == 1 and report.recipient
    assert "user_id" not in report.model_dump() and '"b"' not in report.model_dump_json()


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(HeguiError, match="cannot open the companion database") as err:
        CompanionMonitor(
            load_policy("cn-companion"), "postgresql+psycopg://hegui:pw@127.0.0.1:1/none"
        )
    assert "pw" not in str(err.value) and "无法打开" in err.value.zh
