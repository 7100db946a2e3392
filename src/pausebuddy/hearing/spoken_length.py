"""The length said after a heard time-out ("... time out for half an hour"), scored
forced on the window the time-out was heard in, and whether one has begun there."""

from __future__ import annotations

from dataclasses import dataclass

from pausebuddy.hearing.verdict import Verdict, length_grammar, part_score, with_length
from pausebuddy.hearing.verifier import Encoded, Scored, Verifier

FOR_THRESHOLD = -3.5
""""for" after a time-out this likely: a length began (made out or not)."""
BEGUN_THRESHOLD = -4.5
"""A length's own words this likely after a time-out: one is being said, not yet whole.

Measured (docs/hearing-verifier.md, "Lengths"), on the benchmark's time-outs held while
talk went on (8 voices, clean, babble and a partner at 10 dB), when first judged: with a
length said, "for" scored -0.02 to -4.6 and the likeliest length -3.07 to -4.85, never
both under these; with other words after it, "for" -3.56 or less and the likeliest
length -3.82 or less: 2 of 24 taken as begun (a wait of up to 1.8 s, and "I didn't
catch how long"). With "for" alone at -1.5, and not remembered, 9 of those 72 lengths
were let go before they were said ("for" grows less likely as "forty" goes on)."""


@dataclass(frozen=True)
class LengthHeard:
    verdict: Verdict
    """The time-out, with the length said after it if one was made out."""
    chosen: Scored
    """Its scores (the length's too, if one was made out)."""
    nearest: float
    """The likeliest length's own words' mean log probability after the time-out."""


def length_after(
    verifier: Verifier, heard: Verdict, encoded: Encoded, chosen: Scored
) -> LengthHeard:
    """The time-out `heard` (scored `chosen` on `encoded`) with the length said after it,
    if one was."""
    lengths = length_grammar(heard.expansion)
    scored = verifier.score(encoded, [e.scored_as for e in lengths])
    parts = [part_score(s.score, s.tokens, chosen.score, chosen.tokens) for s in scored]
    nearest = max(parts, default=-99.0)
    expansion = with_length(heard, list(zip(lengths, parts, strict=True)))
    if expansion is heard.expansion:
        return LengthHeard(heard, chosen, nearest)
    return LengthHeard(Verdict(expansion, heard.score), scored[lengths.index(expansion)], nearest)


def begun(verifier: Verifier, encoded: Encoded, length: LengthHeard) -> bool:
    """Whether a length began after the time-out, though none was made out whole: its
    words are likely enough, or "for" is."""
    if length.nearest >= BEGUN_THRESHOLD:
        return True
    chosen = length.chosen
    said_for = verifier.score(encoded, [f"{chosen.text} for"])[0]
    return part_score(said_for.score, said_for.tokens, chosen.score, chosen.tokens) >= FOR_THRESHOLD
