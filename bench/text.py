"""Made-up but plausible text for the bench data: names, titles and Markdown bodies of realistic lengths."""

import random

FIRST = ("Ada Amara Bea Carlos Dana Elif Femi Gita Hana Ivan Jose Kenji Lena Lou Mara Nadia Omar Priya "
         "Quinn Rhonda Sami Susan Tomas Uma Vera Walt Xiu Yusuf Zora Anil Bruno Chloe Dmitri Esme Farid "
         "Greta Hugo Ines Jonas Kira Luca Mina Nils Olga Pavel Rosa Sven Tara Ugo Viktor").split()
LAST = ("Abbott Bird Costa DeMarco Eze Fischer Garcia Hendricks Ito Jansen Kowalski Lozano Morrow Nair "
        "Obi Petrov Quinlan Rossi Silva Talbot Ueda Varga Watanabe Xu Young Zahra Lindqvist Okafor Webb "
        "Whitfield Brennan Castillo Dubois Engel Ferreira Gallo Horvath Ibrahim Jensen Klein").split()
WORDS = ("the a to and of in it is that for on with this was but have you not be at they as we just "
         "about would there think if one like so what can all really also some people when because more "
         "time good year after well could still much only other new first way know need right same "
         "library garden bicycle kettle window river station coffee winter weekend project council "
         "bakery bus school market park bridge street festival recipe bread tomato parking meeting "
         "neighbour printer laptop router battery repair paint fence roof boiler heating insulation "
         "ticket timetable tram concert museum volunteer budget survey petition planning flood storm "
         "allotment compost seedling pruning knitting pattern yarn sourdough oven chess puzzle choir "
         "camera lens trail hike canoe ferry harbour lighthouse pottery glaze kiln violin rehearsal").split()
WEIGHTS = [1 / (rank + 8) for rank in range(len(WORDS))]  # Zipf-like: "the" common, "kiln" rare


def sentence(rng: random.Random, low=5, high=18) -> str:
    words = rng.choices(WORDS, WEIGHTS, k=rng.randint(low, high))
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*" if rng.random() < 0.5 else f"**{words[i]}**"
    return " ".join(words).capitalize() + rng.choice("..?!")


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 5)))


def body_text(rng: random.Random) -> str:
    """A post: a few words (a third), one or two paragraphs (half), or several with a list or link."""
    roll = rng.random()
    if roll < 0.33:
        return sentence(rng, 2, 12)
    parts = [paragraph(rng) for _ in range(1 if roll < 0.6 else 2 if roll < 0.85 else rng.randint(3, 6))]
    if roll > 0.9:
        parts.insert(1, "\n".join(f"- {sentence(rng, 2, 6)}" for _ in range(rng.randint(2, 5))))
    if roll > 0.95:
        parts.append(f"More at https://example.org/{rng.choice(WORDS[60:])}/{rng.randint(1, 999)} "
                     f"(see `{rng.choice(WORDS[60:])}`).")
    return "\n\n".join(parts)


def title_text(rng: random.Random) -> str:
    words = rng.choices(WORDS[30:], k=rng.randint(3, 9))
    return (" ".join(words).capitalize() + ("?" if rng.random() < 0.3 else ""))[:150]
