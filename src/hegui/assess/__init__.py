"""Pre-launch assessment: test banks, judged runs through inspect-ai, results and reports.

The public surface is re-exported here; everything in ``_``-prefixed modules may change.
"""

from hegui.assess._bank import Bank, BankItem, load_bank, load_banks
from hegui.assess._compare import Difference, compare, read_results
from hegui.assess._coverage import BankCoverage, bank_coverage
from hegui.assess._judge import AnswerJudge, Judgment
from hegui.assess._results import Metric, Results
from hegui.assess._run import Endpoint, RunOptions, RunOutcome, finish, run_assessment
from hegui.assess._suite import BankKind, Suite, load_suite, shipped_suite_ids

__all__ = [
    "AnswerJudge",
    "Bank",
    "BankCoverage",
    "BankItem",
    "BankKind",
    "Difference",
    "Endpoint",
    "Judgment",
    "Metric",
    "Results",
    "RunOptions",
    "RunOutcome",
    "Suite",
    "bank_coverage",
    "compare",
    "finish",
    "load_bank",
    "load_banks",
    "load_suite",
    "read_results",
    "run_assessment",
    "shipped_suite_ids",
]
