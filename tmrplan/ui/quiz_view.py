"""Quiz mode of the Explore page: questions generated from the graph, one at a time, each
answered with its explanation and sources. Educational only; it asks for no patient input."""

from __future__ import annotations

import random

import streamlit as st

from tmrplan.teaching.quiz import Question, generate_quiz
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import bullet_list, md, source_line

QUIZ_LENGTH = 5


def render() -> None:
    """Draw the quiz: a new quiz on request, the current question, the score so far."""
    st.warning(
        "Quiz mode is for teaching anatomy. It is generated from the knowledge graph, "
        "has no patient inputs, and is not a plan for any patient."
    )
    state = st.session_state
    if "quiz" not in state or st.button("New quiz", key="quiz_new"):
        state["quiz_seed"] = random.SystemRandom().randrange(1_000_000)
        state["quiz"] = generate_quiz(planner().index, state["quiz_seed"], QUIZ_LENGTH)
        state["quiz_answers"] = {}
        state["quiz_current"] = 0
    questions: list[Question] = state["quiz"]
    answers: dict[int, str] = state["quiz_answers"]
    current: int = state["quiz_current"]
    right = sum(answers[i] == questions[i].answer for i in answers)
    st.caption(
        f"Quiz {state['quiz_seed']} · question {current + 1} of {len(questions)} · "
        f"{right} of {len(answers)} right so far"
    )
    question = questions[current]
    st.subheader(md(question.prompt))
    choice = st.radio(
        "Your answer",
        question.choices,
        index=None,
        format_func=md,
        key=f"quiz_{state['quiz_seed']}_{current}",
        disabled=current in answers,
    )
    if current not in answers:
        if st.button("Check answer", key="quiz_check", disabled=choice is None):
            answers[current] = str(choice)
            st.rerun()
        return
    show_answer(question, answers[current])
    if current + 1 < len(questions):
        if st.button("Next question", key="quiz_next"):
            state["quiz_current"] = current + 1
            st.rerun()
    else:
        st.success(f"Quiz finished: {right} of {len(questions)} right.")


def show_answer(question: Question, given: str) -> None:
    """Right or wrong in words, every choice marked (the right answer and the one chosen), why,
    and the sources behind it."""
    right = given == question.answer
    verdict = "Right" if right else f"Not quite: you chose {md(given)}"
    st.markdown(f"**{verdict}.** The answer is **{md(question.answer)}**.")
    bullet_list(choice_marks(question, given))
    st.markdown(f"**Why:** {md(question.explanation)}")
    st.write("Sources:")
    bullet_list(source_line(source) for source in question.sources)


def choice_marks(question: Question, given: str) -> list[str]:
    """Each choice as a Markdown line, the right answer and the chosen one marked in words (the
    ticks and crosses are a second cue, not the only one)."""
    lines = []
    for choice in question.choices:
        if choice == question.answer:
            mark = "✔ **" + md(choice) + "**: the right answer"
            lines.append(mark + (", your answer" if choice == given else ""))
        elif choice == given:
            lines.append(f"✘ {md(choice)}: your answer, not right")
        else:
            lines.append(f"{md(choice)}: not right")
    return lines
