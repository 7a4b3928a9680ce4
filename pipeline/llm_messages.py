"""The sentences a person reads when the model gave no draft: what happened and what to do next.

Each is a whole sentence (the worker shows it under "Draft #N could not be written."); the part
that quotes the endpoint is a `Trouble.problem`, already a short excerpt with the API key removed.
"""

from __future__ import annotations

from pipeline.deadline import Deadline
from pipeline.errors import ErrorKind
from pipeline.llm_answers import Trouble


def permanent_message(trouble: Trouble, model: str) -> str:
    problem = trouble.problem
    match trouble.kind:
        case ErrorKind.model_auth:
            return f"The model endpoint refused our credentials ({problem}). An admin should check LLM_API_KEY."
        case ErrorKind.model_not_found:
            return (
                f"The model endpoint does not know the model “{model[:100]}”, or its address is wrong "
                f"({problem}). An admin should check LLM_MODEL and LLM_BASE_URL."
            )
        case ErrorKind.model_too_long:
            return (
                f"The topic and its sources are more than the model can read at once ({problem}). Try a narrower topic."
            )
        case ErrorKind.model_refused:
            return f"The model declined to write this ({problem}). Try rephrasing the topic."
        case ErrorKind.model_unreadable:
            return f"The model endpoint answered without a usable reply: {problem}."
        case ErrorKind.model_unreachable:
            return f"The model endpoint cannot be used: {problem}. An admin should check LLM_BASE_URL."
        case _:
            return f"The model endpoint rejected the request ({problem})."


def gave_up(trouble: Trouble, attempts: int) -> str:
    tries = f"{attempts} tries" if attempts > 1 else "one try"
    match trouble.kind:
        case ErrorKind.model_busy:
            return f"The model is busy ({trouble.problem}); {tries} got no answer. Try again in a few minutes."
        case ErrorKind.model_timeout:
            return f"The model did not answer in time ({trouble.problem}; {tries}). Try again in a few minutes."
        case _:
            return f"Could not reach the model endpoint ({trouble.problem}; {tries})."


def asked_to_wait(trouble: Trouble) -> str:
    wait = duration(trouble.retry_after_s or 0.0)
    return (
        f"The model is busy ({trouble.problem}) and asked us to wait {wait}, longer than a draft may wait. "
        f"Try again in {wait}."
    )


def out_of_time(trouble: Trouble | None, deadline: Deadline) -> str:
    within = deadline.describe()
    if trouble is None:
        return f"The run used up its {within} before the model could be asked."
    match trouble.kind:
        case ErrorKind.model_timeout:
            return f"The model did not answer within {within}."
        case ErrorKind.model_busy:
            return (
                f"The model stayed busy ({trouble.problem}) for the {within} a draft may wait. "
                "Try again in a few minutes."
            )
        case _:
            return f"Could not reach the model endpoint within {within} ({trouble.problem})."


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"
