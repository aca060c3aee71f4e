"""The words every plan and page must carry: the intended use, the short notice, the page footer,
the PREVIEW line.

The intended use is one text, shown on the About page and kept in docs/intended_use.md (a test
checks that the two say the same thing).
"""

from __future__ import annotations

from tmrplan.model import Plan

# The short form every rendering of a plan carries.
NOTICE = (
    "For pre-operative planning and teaching by health care professionals. Options with their "
    "basis, not directives; not for intra-operative use. Check every option against the patient."
)

# The shortest form, at the foot of every page of an exported plan.
PAGE_FOOTER = (
    "For pre-operative planning and teaching: options with their basis, not directives; "
    "not for intra-operative use."
)

INTENDED_USE = """\
# Intended use

tmrplan lists donor options for targeted muscle reinnervation (TMR) of a painful neuroma, each
with the anatomy, literature and rule cards behind it.

**Intended users:** health care professionals planning TMR before surgery, and teachers of
peripheral nerve anatomy.

**Intended uses:** pre-operative planning and teaching.

**Not intended for:** intra-operative use, use by patients, or any decision made without a
qualified surgeon checking every option against the patient.

**What it gives:** options with their basis (donor status, strength-loss risk, flags with the rule
cards and facts that fired them, published evidence with sources), never a single directive and
never a numeric score. Inputs that are not given are listed as unknowns, not assumed.

**Limits:**

- The anatomy is written from cited reference sources and has not yet had an independent
  surgeon's review; anatomical variation between patients is not modelled.
- The rule cards shipped with tmrplan are drafts that no clinical governance has approved: every
  plan built with an unapproved card is marked PREVIEW and names the cards. A hospital's
  governance must review and approve them before clinical use.
- Quiz and explore views are educational and take no patient inputs.
- An approval counts only when it is signed by a reviewer listed in the signers file
  (`rules/allowed_signers`); in the app, reviewers sign in through the hospital's identity
  provider.
"""


def preview_notice(plan: Plan) -> str | None:
    """The PREVIEW line every rendering of an unapproved plan carries, naming the cards.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> preview_notice(plan).startswith("PREVIEW: ")  # the shipped cards are unapproved
        True
    """
    if not plan.is_preview:
        return None
    cards = ", ".join(plan.preview_cards)
    return (
        f"PREVIEW: built with {len(plan.preview_cards)} rule card(s) that clinical governance has "
        f"not approved at their current content ({cards}). Not for clinical decisions until "
        "they are approved."
    )
