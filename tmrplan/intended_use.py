"""Intended use and limits: one text, shown on the About page and kept in docs/intended_use.md
(a test checks that the two say the same thing)."""

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
- Names typed into the governance screens are recorded as given; there is no login system.
"""
