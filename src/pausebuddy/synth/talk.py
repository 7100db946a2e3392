"""Everyday talk that never asks pausebuddy for anything: the text of the negative corpus.

The hearing benchmark, `check-phrase` and `tune` count how often talk is taken for a
phrase. The talk must be varied (an argument, a film, the news, a reading, small talk)
and must include hard negatives: lines that share words with the phrases ("we need
time", "pause the film", "my buddy") without being one. Lines are made from templates
and word lists with a seeded random generator, so a corpus is the same every run and
thousands of lines long without repeating itself much.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

GENRES = ("argument", "film", "news", "reading", "chat", "hard")

_SLOTS = {
    "person": [
        "your mother",
        "my sister",
        "your brother",
        "the neighbour",
        "my boss",
        "your friend Dave",
        "the kids",
        "my dad",
        "her cousin",
        "the landlord",
    ],
    "thing": [
        "the dishes",
        "the car",
        "the money",
        "the holiday",
        "the rent",
        "the garden",
        "dinner",
        "the phone bill",
        "the laundry",
        "the dog",
        "the new sofa",
        "the wedding",
        "the birthday party",
        "the shopping",
    ],
    "day": [
        "on Monday",
        "last night",
        "this morning",
        "at the weekend",
        "yesterday",
        "every single time",
        "on your birthday",
        "in front of everyone",
        "at Christmas",
    ],
    "feeling": [
        "hurt",
        "tired",
        "angry",
        "ignored",
        "embarrassed",
        "worried",
        "lonely",
        "fed up",
        "stupid",
        "upset",
    ],
    "place": [
        "the station",
        "the old house",
        "the harbour",
        "the hospital",
        "the school",
        "the market",
        "the bridge",
        "the village",
        "the office",
        "the beach",
    ],
    "name": [
        "Anna",
        "Marcus",
        "the captain",
        "the detective",
        "Eleanor",
        "Tom",
        "the doctor",
        "Mrs Parker",
        "the old man",
        "Lucy",
    ],
    "verb": [
        "opened the door",
        "looked out of the window",
        "picked up the letter",
        "walked to the car",
        "sat down by the fire",
        "turned off the light",
        "called her brother",
        "ran down the stairs",
        "closed the book",
        "stared at the sea",
    ],
    "topic": [
        "the council",
        "the government",
        "the hospital trust",
        "the football club",
        "the energy company",
        "the university",
        "the rail operator",
        "the police",
    ],
    "weather": [
        "rain across the north",
        "sunshine in the south",
        "strong winds on the coast",
        "fog in the morning",
        "snow on the hills",
        "a mild and dry evening",
    ],
    "number": ["two", "three", "twelve", "forty", "a hundred", "fifteen", "six", "eighty"],
    "food": ["pasta", "soup", "curry", "the leftovers", "pizza", "toast", "a salad", "fish"],
}

_TEMPLATES = {
    "argument": [
        "You always bring up {person} when we argue about {thing}.",
        "I felt {feeling} when you said that {day}.",
        "Why do you never help with {thing}? I do it {day}.",
        "It is not about {thing}, it is about how you talk to me.",
        "Do not start that again. You never listen when I talk about {thing}.",
        "I am not shouting. I am just {feeling} and you are not hearing me.",
        "You promised {day} that you would sort out {thing}.",
        "Fine. Whatever you want. I will call {person} myself.",
        "Every time I bring up {thing} you change the subject.",
        "Just once I want you to say sorry without a but.",
        "I am {feeling} because you made a joke about me {day}.",
        "You spent the whole evening on your phone again.",
        "Can we please not do this in front of {person}?",
        "I did not say that. I said I was {feeling}, that is all.",
        "Okay, okay. I hear you. But you have to hear me too.",
    ],
    "film": [
        "{name} {verb} and said nothing for a long time.",
        "Get in the car, {name}. We are leaving for {place} right now.",
        "I told you never to come back to {place}.",
        "Is that what you think of me, {name}? After all these years?",
        "The money is hidden somewhere near {place}, I know it is.",
        "Nobody leaves this room until {name} tells us the truth.",
        "We have {number} hours before they find out what we did.",
        "Look at me. It was not your fault.",
        "Did you see the look on his face when {name} {verb}?",
        "I can't believe they killed off {name} in the second episode.",
        "This is the part where {name} finds the letter.",
    ],
    "news": [
        "The news tonight: {weather}, and a slow start to the markets.",
        "{topic} has announced {number} new jobs in the region.",
        "Talks between {topic} and the unions continue tomorrow.",
        "Police are asking for witnesses after an accident near {place}.",
        "Tomorrow brings {weather}, with temperatures around {number} degrees.",
        "Shares in {topic} fell by {number} percent this afternoon.",
        "A spokesperson for {topic} said the plans would be reviewed.",
        "The match ended two one after a late goal in the second half.",
        "Traffic is heavy on the ring road after roadworks near {place}.",
        "The prime minister will visit {place} on Thursday.",
    ],
    "reading": [
        "It was the best of times, it was the worst of times.",
        "{name} {verb}, and the house was quiet again.",
        "The road to {place} was long and the evening was growing cold.",
        "In the morning the fishermen went down to {place} as they always had.",
        "She {verb} and thought about the summer they had spent at {place}.",
        "He had not written to {name} in {number} years.",
        "The garden was full of roses, and somewhere a dog was barking.",
        "Outside, the wind moved through the trees like a slow tide.",
        "Chapter {number}. The letter arrived on a grey afternoon.",
        "Nobody in the village remembered who had built the bridge.",
    ],
    "chat": [
        "What do you want for dinner? We could have {food}.",
        "Did you remember to call {person} back?",
        "I think {thing} needs sorting out {day}.",
        "The kettle is on if you want a cup of tea.",
        "Have you seen my keys? I left them by the door.",
        "Can you pick up some milk on the way home?",
        "The heating is making that noise again.",
        "{person} sent a photo of the new puppy.",
        "We should go to {place} when the weather gets better.",
        "I will be back in {number} minutes, I am just going to the shop.",
        "Turn it down a bit, the neighbours will hear.",
    ],
    # Lines that share words with the default phrases without being one.
    "hard": [
        "We need time to think about this.",
        "Can you pause the film for a minute? I need the loo.",
        "My buddy from work is calling about the weekend.",
        "Pass the butter, buddy. And pause the game when you go out.",
        "Time is running out on the offer, the man on the radio keeps saying.",
        "Stop the car, I think we missed the turn.",
        "I told you I was ready an hour ago and you were still on the phone.",
        "Five more minutes of this and I am going to bed.",
        "Give me a break, I worked all day and the kids were screaming.",
        "Can we repeat the last part of the movie? I missed what he said.",
        "Slow down, you are driving too fast.",
        "Next time, just tell me before you invite them.",
        "How long is this film? It feels like it has been on for hours.",
        "Take a deep breath and count to ten, the teacher said.",
        "The time out in the hockey game lasted forever.",
        "We are ready to order, thank you.",
        "Cancel the newspaper, we never read it.",
        "Skip this song, I hate it.",
        "I need some time out of the house.",
        "Out of time, out of luck, out of ideas.",
        "The players took a pause before the penalty.",
        "Hey buddy, how have you been?",
    ],
}

_SLOT = re.compile(r"\{(\w+)\}")


def lines(seed: int = 0, genres: tuple[str, ...] = GENRES) -> Iterator[str]:
    """An endless stream of talk lines, the genres taking turns at random."""
    rng = random.Random(seed)
    while True:
        template = rng.choice(_TEMPLATES[rng.choice(genres)])
        yield _SLOT.sub(lambda m: rng.choice(_SLOTS[m.group(1)]), template)


def hard_negatives() -> list[str]:
    return list(_TEMPLATES["hard"])
