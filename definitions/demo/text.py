"""Synthetic qualitative demo data: children's comments and adults' interview excerpts.

One job: write the free text of the demo data set so that it agrees with the
codes the researcher would have given it. It supplies

- :data:`ENJOYED_MOST_BY_THEME` and :func:`enjoyed_most_text`: answers to
  "what did you enjoy most about the mini-police?" that belong to the coded
  ``enjoyed_theme`` of the children's survey (column ``enjoyed_most_theme``);
- :func:`workshop_comments`: the coded comments of the creative workshops
  (qualitative instrument ``workshop_comments``);
- :func:`interview_excerpts`: the coded excerpts of the strategic-lead,
  practitioner and teacher interviews (qualitative instrument
  ``interview_excerpts``).

The *structure* follows the 2019 national evaluation: 8 creative workshops
with 56 mini-police children in 4 forces, 6-10 children a workshop, comment
theme shares of 42, 33, 19 and 6 per cent (report chapter 4, case study
findings); one strategic lead interviewed in each of 10 forces, plus
practitioner and teacher interviews in the four forces visited (chapter 5). Every
sentence is written for this project: none is a respondent's words and none
is taken from the report. A few excerpts carry a made-up officer's name, a
school name, an e-mail address or a telephone number (listed in
:data:`PLANTED_IDENTIFIERS`) so that a redaction step has something to find;
the telephone number is in Ofcom's range reserved for drama and the e-mail
address uses the reserved ``example.org`` domain.

Column names, scale codes and force names come from the codebook. Every
function is deterministic for the :class:`numpy.random.Generator` passed in,
returns string columns only, and never returns a missing value (an empty
string stands for "no answer").

Examples
--------
>>> import numpy as np
>>> from helpers.demo import demo_module
>>> text = demo_module("text")
>>> enjoyed_most_text, workshop_comments = text.enjoyed_most_text, text.workshop_comments
>>> rng = np.random.default_rng(1)
>>> answers = enjoyed_most_text(rng, ["learning", None])
>>> answers[0] in ENJOYED_MOST_BY_THEME["learning"], answers[1]
(True, '')
>>> wc = workshop_comments(rng, forces=["Cumbria", "Durham", "Gwent", "Lincolnshire"])
>>> wc["workshop_id"].nunique(), wc["child_id"].nunique()
(8, 56)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, load_codebook

__all__ = [
    "ENJOYED_MOST_BY_THEME",
    "WORKSHOP_COMMENT_POOLS",
    "WORKSHOP_THEME_SHARES",
    "INTERVIEW_EXCERPT_POOLS",
    "PLANTED_IDENTIFIERS",
    "enjoyed_most_text",
    "workshop_comments",
    "interview_excerpts",
]

# ---------------------------------------------------------------------------
# Structural targets (report chapter 4 "Case Study Findings"; chapter 5)
# ---------------------------------------------------------------------------

#: Share of workshop comments in each ``workshop_theme`` (chapter 4: about
#: 42% fun and new things, 33% learning/helping/feeling, 19% connecting
#: with policing; the remaining 6% "other" is the balance).
WORKSHOP_THEME_SHARES: dict[str, float] = {
    "fun_new_things": 0.42,
    "learning_helping": 0.33,
    "connecting_policing": 0.19,
    "other": 0.06,
}
#: Fewest and most children in one workshop (chapter 4: "between 6 and 10").
_WORKSHOP_SIZE = (6, 10)
#: Fewest and most comments one child makes (illustrative).
_COMMENTS_PER_CHILD = (1, 3)
#: Preferred range for the total number of comments (illustrative).
_COMMENT_TOTAL_RANGE = (100, 130)

#: Case-study interviewees per force and role (illustrative: the report says
#: only that practitioners and teachers were interviewed in the 4 sites).
_CASE_STUDY_INTERVIEWEES = (("practitioner", 2), ("teacher", 2))
#: How many excerpts (themes) one interviewee contributes, by role (inclusive).
_EXCERPTS_PER_INTERVIEWEE = {"strategic_lead": (5, 7), "practitioner": (3, 5), "teacher": (3, 4)}
#: Relative weight of each interview theme, by role: strategic leads talk
#: mostly about aims, selection, the SWOT questions and a national strategy;
#: practitioners about delivery, the children and the community; teachers
#: about the school's side of things.
_THEME_WEIGHTS: dict[str, dict[str, float]] = {
    "strategic_lead": {
        "aims": 3,
        "school_selection": 2,
        "child_selection": 1.5,
        "design_delivery": 1.5,
        "childrens_voice": 0.5,
        "community": 1,
        "strength": 2,
        "weakness": 2,
        "opportunity": 2,
        "threat": 2,
        "sharing_strategy": 2,
    },
    "practitioner": {
        "aims": 1,
        "child_selection": 1,
        "design_delivery": 3,
        "childrens_voice": 2,
        "community": 2.5,
        "strength": 1,
        "weakness": 1,
    },
    "teacher": {
        "aims": 1,
        "school_selection": 1.5,
        "child_selection": 2,
        "design_delivery": 2,
        "childrens_voice": 1.5,
        "community": 1.5,
        "strength": 1.5,
        "weakness": 1,
        "opportunity": 0.5,
    },
}
_ID_PREFIX = {"strategic_lead": "SL", "practitioner": "PR", "teacher": "TE"}

# ---------------------------------------------------------------------------
# Children's answers: what they enjoyed most, by coded enjoyed_theme
# ---------------------------------------------------------------------------

#: Answers to "what did you enjoy most?", by ``enjoyed_theme`` code. Written
#: for this project; short and in a child's words.
ENJOYED_MOST_BY_THEME: dict[str, tuple[str, ...]] = {
    "activities": (
        "going to the police station",
        "the trip to the seaside",
        "meeting the dogs",
        "riding in the back of the van",
        "doing speed checks with the speed gun",
        "marching at the parade",
        "all the trips we went on",
        "dusting for fingerprints",
        "the day with the police horses",
        "going round the big headquarters",
        "the crime scene game",
        "trying on the riot helmets",
    ),
    "impact_on_others": (
        "helping the old people at the care home",
        "picking up litter so the park looks nice",
        "giving out leaflets so people stay safe",
        "telling drivers to slow down",
        "helping people in my community",
        "making it safer round our school",
        "raising money for charity",
        "helping the little ones at lunchtime",
        "putting notes on cars that parked on the zigzags",
        "teaching other kids how to be safe",
    ),
    "connecting_policing": (
        "meeting real police officers",
        "talking to our PCSO every week",
        "finding out what the police really do",
        "getting to know the officers",
        "when the chief constable came to see us",
        "hearing about all the different police jobs",
        "asking the officers loads of questions",
        "seeing that the police are actually nice",
        "working with the police",
        "seeing how the police help people",
    ),
    "learning": (
        "learning about road safety",
        "learning new things every week",
        "finding out how to stay safe online",
        "learning about water safety",
        "spelling my name in the police alphabet",
        "learning some first aid",
        "learning what to do in an emergency",
        "learning how to spot a scam",
        "the lessons about being a good citizen",
        "learning about the law",
    ),
    "feelings": (
        "wearing my uniform",
        "feeling important",
        "feeling like a proper police officer",
        "getting my badge",
        "being trusted with a job",
        "it made me feel proud",
        "being a role model",
        "feeling more confident",
        "feeling brave",
        "being picked",
    ),
    "peer_connections": (
        "being with my friends",
        "making new friends",
        "working as a team",
        "spending time with the teachers",
        "getting to know kids from other classes",
        "doing it with my best friend",
        "our group got on really well",
        "meeting children from other schools",
        "the teachers and PCSOs were funny",
        "doing things together",
    ),
}

# ---------------------------------------------------------------------------
# Creative workshop comments, by coded workshop_theme
# ---------------------------------------------------------------------------

#: Comments children wrote round their drawings, by ``workshop_theme`` code.
WORKSHOP_COMMENT_POOLS: dict[str, tuple[str, ...]] = {
    "fun_new_things": (
        "We went on a coach trip to the big city and saw loads of famous buildings",
        "I loved the day at the seaside, we cleaned the beach after our picnic",
        "Meeting the police dogs was the best bit but one barked at me",
        "We tried on the riot helmets and shields, they were so heavy",
        "At the police station we saw the cells where they keep people",
        "I had never been in a police van, it was really loud with the siren on",
        "Mini police is fun because every week is something different",
        "We marched in the parade and everybody clapped",
        "I liked using the speed gun outside school, one car was way too fast",
        "We tried the fingerprint powder and it went all over the table",
        "My favourite was the horses, they were massive",
        "We watched the helicopter come in and the pilot waved",
        "The fire station and police station in one day was the best day ever",
        "We did a treasure hunt all round headquarters",
        "It is not like normal lessons, we go out and do stuff",
        "I got to sit on a police motorbike",
        "We made our own crime scene and had to solve it",
        "The boat ride with the water safety team was amazing",
        "At the summer fair we had our own stall",
        "Going to custody was a bit scary but really interesting",
        "The trip was my first time on a train",
        "We got to see inside the control room with all the screens",
    ),
    "learning_helping": (
        "I learned how to cross the road safely and now I show my little sister",
        "Mini police made me braver, I can talk in assembly now",
        "We taught the year 2s about staying safe near water",
        "I feel proud when I help people on my street",
        "We picked all the litter up in the park and it looked lovely after",
        "I know what to do if someone online asks for my password",
        "My mini police friends are always there for me",
        "We work as a team and nobody gets left out",
        "I help my nan more at home now",
        "We wrote letters to drivers who park on the yellow lines",
        "I learned about people who trick old people on the phone",
        "I feel safer walking to school because I know the rules",
        "It makes me happy when we help someone",
        "I used to be really shy but now I put my hand up",
        "We have to be good role models for the little ones",
        "I learned about county lines and why you tell a grown up",
        "We collected tins for the food bank",
        "I made a new friend in mini police from a different class",
        "Being kind is part of being a mini police officer",
        "I told my mum and dad what to do in an emergency",
    ),
    "connecting_policing": (
        "The police are not scary any more, they are just normal people",
        "Our PCSO knows all our names",
        "I would say hello to a police officer now",
        "I want to be a police officer when I grow up",
        "I did not know the police did so many different jobs",
        "In my uniform I feel like a real officer",
        "The officers tell us funny stories about their work",
        "Now I know police are there to help, not just to arrest people",
        "I can say the whole phonetic alphabet, alpha bravo charlie delta",
        "The police work really hard and they get tired too",
        "I used to think the police only chased bad guys",
        "The officers listen to what we say",
        "I trust the police more now",
        "I feel like part of the police team",
        "I know who to ask if I am worried about something",
        "My badge shows people I am in the mini police",
        "Our officer came to watch our sports day",
        "There are police for the roads and police for computers, I did not know that",
    ),
    "other": (
        "I wish we had mini police more than once a week",
        "It finished too soon",
        "Sometimes we miss our playtime",
        "I did not like it when it rained",
        "The big dog was a bit scary",
        "I want to do it again next year",
        "My drawing is me and my cat",
        "I would change the hat because it is too big for me",
        "We should have more trips",
        "I did not like the worksheets",
        "I don't know what to write",
        "It was boring when we had to wait",
        "My brother was in mini police too",
        "Everyone should get a turn",
        "The jumper is itchy",
        "Can we have mini police in the holidays",
    ),
}

# ---------------------------------------------------------------------------
# Interview excerpts, by interview_role and interview_theme
# ---------------------------------------------------------------------------

#: Excerpts by ``interview_role`` and ``interview_theme`` code. The content
#: follows the themes of the report's chapter 5; the words are this
#: project's. Strategic leads have a pool for every theme.
INTERVIEW_EXCERPT_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "strategic_lead": {
        "aims": (
            "For us it is relationships first. A lot of these kids only ever see a police car when something has "
            "gone wrong at home, so we want their first proper contact with us to be a good one.",
            "I'd say the main thing is citizenship, getting them to take some pride in their estate and believe "
            "they can change things there.",
            "We built it around confidence. The quiet ones, the ones who never put a hand up, that's who we had "
            "in mind when we wrote it.",
            "Honestly the aims differ a bit from district to district. One inspector sees it as reassurance for "
            "the community, another as a way of getting safety messages into homes.",
            "Part of it is behaviour. If a child knows they lose their place for messing about, that gives the "
            "school something to work with, but it's a side benefit, not why we started.",
            "Education was the driver for us: road safety, water safety, online safety, and the children carry "
            "it home to their families.",
            "We wanted something that starts earlier than cadets. By thirteen some of them have already made "
            "their minds up about us.",
        ),
        "school_selection": (
            "We pulled the data together, deprivation, free school meals, antisocial behaviour calls, and drew "
            "up the list from that rather than just going where we were welcome.",
            "Pupil premium numbers were the starting point. Then we checked with the neighbourhood sergeants "
            "whether they could actually support those schools.",
            "To be honest the first two schools were just the ones nearest the station. We're trying to be more "
            "structured about the next round.",
            "I let the local teams choose. They know which schools are struggling far better than I do sitting "
            "at headquarters.",
            "We put an offer out and took the schools that came back keen. The risk is you end up in the places "
            "that need it least.",
            "The phone doesn't stop, schools asking how they get on the list, and I need a fair answer for the "
            "ones we turn down.",
        ),
        "child_selection": (
            "We ask the head to make sure at least half the places go to children with some vulnerability, then "
            "leave the detail to them.",
            "Each child does a little application, but it can be a drawing or a poster. We don't want it to be "
            "about who writes best.",
            "We only take year 5. The year 6 teachers told us they've got SATs and the move up to secondary, "
            "there's just no room.",
            "In one area the whole school votes after the children give a short speech, which is lovely, but it "
            "does favour the confident ones.",
            "Some schools use it as a reward for attendance, some pick the children who'd get the most out of it. "
            "I'm fairly relaxed about that.",
        ),
        "design_delivery": (
            "It runs across the school year, two sessions a term as a minimum, and the PCSOs commit to that when "
            "the school signs up.",
            "We wrote the lesson plans with a couple of head teachers so they fit the curriculum, then had the "
            "safety lessons checked by partner agencies.",
            "Ours is a seven week block. Short and intense suits our staffing, though I do wonder what sticks "
            "once it's over.",
            "There's a minimum standard now, and someone from my team sits in on sessions to check it's being "
            "delivered the way it's written.",
            "It varies by area. Some PCSOs are in every week, others you have to chase.",
        ),
        "childrens_voice": (
            "We asked them what mattered locally and they came back with dog mess and people sleeping in "
            "doorways, neither of which we'd have guessed.",
            "I'd like the children choosing more of the projects. At the moment the plan is mostly ours.",
            "You take them somewhere you think is exciting and afterwards they tell you the best bit was clearing "
            "the rubbish out of the brook.",
        ),
        "community": (
            "Whenever they're out in uniform people stop and chat. We've never had a negative comment online, "
            "which is rare for anything we post.",
            "Parents who wouldn't normally give us the time of day turn up to the graduation. That's a door opened.",
            "They get invited to everything now: fetes, remembrance, switching on the Christmas lights.",
            "Through the children we're reaching families we've struggled to reach for years.",
        ),
        "strength": (
            "Catching them at eight or nine is the strength. They soak it all up before secondary school and "
            "everything else takes over.",
            "It gives structure to our school engagement. Before, we dropped in when there was a problem; now "
            "there's a commitment in the diary.",
            "Our chief officers love it. The ACC has moved meetings to come to a passing-out.",
            "Some of these children never get taken anywhere. It gives them experiences without putting pressure "
            "on parents who are already stretched.",
            "The effect on kids whose families have a history with us, that's what makes it worth doing.",
        ),
        "weakness": (
            "Getting inspectors and sergeants on side is the hard bit. Chief officers get it straight away, but "
            "middle managers are juggling response demands.",
            "We lose PCSOs all the time, to other jobs or to become constables, and every time someone new has "
            "to be trained up.",
            "Not every officer is comfortable in a classroom. Some would honestly rather face a fight in the "
            "town centre than thirty nine-year-olds.",
            "Every force runs its own version for its own reasons, so nationally there isn't really one mini-police.",
            "Where a sergeant isn't interested, that school gets less, and that's not fair on the school.",
        ),
        "opportunity": (
            "The gap after year 6 bothers me. We're looking at junior cadets for twelve to fourteen so we don't "
            "lose them.",
            "We'd like the mini-police to leave something behind, peer mentors or a buddy scheme, once our "
            "sessions finish.",
            "Our fraud and cyber lessons could go to any force. I'd happily package them up.",
            "We introduce them to the school officer at their secondary before they leave, so there's a familiar "
            "face waiting.",
            "There's a chance to design something for the kids the normal cadet scheme doesn't appeal to.",
        ),
        "threat": (
            "If we grow too fast the quality goes. I'd rather do thirty schools properly than a hundred badly.",
            "Neighbourhood teams are stretched. Add another twenty schools and the inspector will simply say it "
            "isn't a priority.",
            "It's me driving it. There's no post for it, and if I moved on tomorrow I'm not sure it would survive.",
            "Transport is the killer. Hiring a coach for one trip eats a big chunk of the budget.",
            "Without the grant we couldn't have bought the uniforms. The force doesn't have that money spare.",
            "Demand outstrips what we can offer, and every school we turn away is a relationship at risk.",
        ),
        "sharing_strategy": (
            "Why is every force writing its own lesson plans from scratch? That's public money spent twice over.",
            "We've spoken to a couple of the bigger schemes and it saved us months, but it was all down to "
            "personal contacts.",
            "I'd welcome a national framework as long as it leaves room for local delivery. Our priorities "
            "aren't the same as a city force's.",
            "A proper national event once a year, where people bring what works, would help more than another "
            "portal login.",
            "Some minimum principles, say a share of places for vulnerable children, would give the whole thing "
            "credibility.",
            "I don't want to be told from the centre what to do. What works here wouldn't work somewhere else.",
        ),
    },
    "practitioner": {
        "aims": (
            "For me it's showing them we're human. Some of them have only seen us at their front door at two in "
            "the morning.",
            "I want them to feel they own their patch, that it's their street too.",
            "It's confidence really. By the end they're chatting to the public like they've done it for years.",
        ),
        "child_selection": (
            "The school picked most of them, and fair play, they chose a few I wouldn't have thought of who've "
            "really come on.",
            "We did little interviews with the teacher. Every one of them was nervous but they all had a go.",
            "I asked for a mix, not just the ones who get chosen for everything.",
        ),
        "design_delivery": (
            "I plan the sessions round whatever's going on locally. When the scam calls started, that's what we "
            "covered.",
            "Half the session is in the classroom and half is out in the community, so they use what they've "
            "learned straight away.",
            "The hardest part is protecting the time. If something kicks off on the area, the session is the "
            "first thing to go.",
            "I wasn't trained to teach. I had a briefing and a folder of lesson plans, and learned the rest from "
            "the class teacher.",
            "Shift patterns make it awkward. I swap rest days so I don't let the kids down.",
        ),
        "childrens_voice": (
            "They chose the parking problem themselves. I'd never have picked it but they were right, it's what "
            "parents moan about most.",
            "At the start of the year we sit down and they vote on what they want to tackle.",
            "They're brutally honest. If a session is dull they'll tell you.",
            "One lad asked why we never come to the park at night. Good question, so that became the next topic.",
        ),
        "community": (
            "We go up to the care home once a month. The residents look forward to it more than the kids, I think.",
            "They stood at the school gates with clipboards doing speed checks and drivers actually slowed down.",
            "We did a litter pick along the canal and a woman came out with biscuits for everyone.",
            "Parents stop me in the street now to say their kid talks about nothing else.",
        ),
        "strength": (
            "You see kids change. One girl wouldn't look at me in September and by Easter she was leading the group.",
            "It's the best part of my week, to be honest, and it reminds me why I joined.",
        ),
        "weakness": (
            "When I was moved to another ward the school went three months without anyone, and that undid a lot.",
            "Not everyone on the team wants to do it, so it tends to fall on the same two or three of us.",
        ),
    },
    "teacher": {
        "aims": (
            "From the school side we saw it as a way into citizenship. It ties in with what we do in PSHE.",
            "We've families round here with a lot of mistrust of the police, so we hoped the children could see "
            "another side.",
            "Honestly I thought it would be a nice extra. It turned out to be much more than that.",
        ),
        "school_selection": (
            "We were approached because of where we are, I think. Our free school meals figure is high and the "
            "police know the area.",
            "I heard about it from a colleague at another school and rang up to ask if we could join.",
            "We were on a waiting list for a year before a place came up.",
        ),
        "child_selection": (
            "We picked a few children who needed a lift in confidence alongside some who'd been begging to do it.",
            "They wrote a short letter saying why they wanted to join, and we helped the ones who find writing hard.",
            "We took every child who applied in the end. Turning anyone away in a school like ours felt wrong.",
            "We thought about the children who never get picked for anything, and made sure some of them were in.",
        ),
        "design_delivery": (
            "The PCSO leads the sessions and I sort out rooms and permission slips. It works because we talk "
            "every week.",
            "This year the school is expected to deliver more of it ourselves, and with our timetable that's been "
            "a struggle.",
            "Some weeks the officer got called away, which the children found disappointing, though they "
            "understood why.",
            "It sits nicely alongside our curriculum work on keeping safe.",
        ),
        "childrens_voice": (
            "The children wanted to do something about litter by the shops, so that became their project for the term.",
            "They ran a class council session on what the mini-police should do next. Lots of ideas, some of "
            "them wild.",
            "It's given some of them a voice in school they didn't have before.",
        ),
        "community": (
            "Parents come to the assemblies and you can see how proud they are.",
            "The children took leaflets round the estate about bogus callers, and a few neighbours phoned school "
            "to say thank you.",
            "It's improved how families see the school as well as the police.",
        ),
        "strength": (
            "One boy who was always in trouble at lunchtime has turned right round. He knows he's a role model now.",
            "The confidence is the big thing. They stand up in assembly and speak without notes.",
            "They come back from trips buzzing and it spills over into class.",
        ),
        "weakness": (
            "We'd love more notice of dates. Sometimes we found out about a visit the day before.",
            "It only reaches a dozen children and the rest of the year group does feel a bit left out.",
        ),
        "opportunity": (
            "We'd like it to carry on into secondary somehow. It feels a shame to stop at year 6.",
            "If the police could share the lesson materials, we could run a version with the whole class.",
        ),
    },
}

#: Excerpts that carry an identifier a redaction step must remove:
#: (role, index of the interviewee within that role, theme, excerpt).
_PLANTED_EXCERPTS: tuple[tuple[str, int, str, str], ...] = (
    (
        "practitioner",
        0,
        "community",
        "PC Jones does the care home visits with me, he's brilliant with the residents and the kids alike.",
    ),
    (
        "teacher",
        0,
        "design_delivery",
        "At Oakfield Primary we timetable it for Thursday afternoons so it never clashes with assemblies.",
    ),
    (
        "strategic_lead",
        1,
        "sharing_strategy",
        "Any force that wants our lesson plans can e-mail me at d.okafor@example.org and I'll send the lot over.",
    ),
    (
        "teacher",
        1,
        "child_selection",
        "If a parent has questions about applying they can ring the office on 01632 960417 and ask for me.",
    ),
)

#: The identifiers planted in :func:`interview_excerpts` output (a personal
#: name, a school name, an e-mail address, a telephone number); every one
#: occurs in every frame it returns.
PLANTED_IDENTIFIERS: tuple[str, ...] = ("PC Jones", "Oakfield Primary", "d.okafor@example.org", "01632 960417")


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def enjoyed_most_text(rng: np.random.Generator, themes: Sequence[str | None]) -> list[str]:
    """Free-text "what did you enjoy most?" answers that match coded themes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the result depends only on its state and
        ``themes``.
    themes : sequence of str or None
        One ``enjoyed_theme`` code per child. ``None`` or ``""`` (no coded
        theme) gives an empty answer.

    Returns
    -------
    list of str
        One answer per theme, drawn from :data:`ENJOYED_MOST_BY_THEME`; ``""``
        where the theme is missing.

    Raises
    ------
    ValueError
        If a theme is not a code of the ``enjoyed_theme`` scale.

    Examples
    --------
    >>> import numpy as np
    >>> out = enjoyed_most_text(np.random.default_rng(0), ["feelings", "", None])
    >>> out[0] in ENJOYED_MOST_BY_THEME["feelings"], out[1:]
    (True, ['', ''])
    """
    _check_pools(load_codebook())
    out: list[str] = []
    for theme in themes:
        if theme is None or theme == "":
            out.append("")
            continue
        if theme not in ENJOYED_MOST_BY_THEME:
            raise ValueError(f"enjoyed_most_text: {theme!r} is not an enjoyed_theme code")
        pool = ENJOYED_MOST_BY_THEME[theme]
        out.append(pool[int(rng.integers(len(pool)))])
    return out


def workshop_comments(
    rng: np.random.Generator,
    *,
    forces: Sequence[str],
    workshops: int = 8,
    children: int = 56,
    shares: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Coded comments from the creative workshops with mini-police children.

    The workshops are split evenly between ``forces`` (two each with the
    defaults: the report's 8 workshops in 4 forces); each has 6-10
    children, ``children`` in all; each child makes 1-3 comments. The total
    number of comments is chosen (at random among the totals that allow it)
    so that every theme's rounded percentage, ``round(100 * count /
    total)``, equals its target share exactly.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the result depends only on its state and the
        other arguments.
    forces : sequence of str
        Canonical force names (codebook spelling), one per case-study site.
    workshops : int, default 8
        Number of workshops; a multiple of ``len(forces)``.
    children : int, default 56
        Number of children over all workshops (6-10 per workshop).
    shares : mapping of str to float, optional
        Share of comments per ``workshop_theme`` code (every code once,
        any positive scale). Defaults to :data:`WORKSHOP_THEME_SHARES`.

    Returns
    -------
    pandas.DataFrame
        One row per comment, the codebook columns of ``workshop_comments``
        in order, all strings, no missing values:

        - ``comment_id``: ``"WC001"``, ``"WC002"``, ...
        - ``force``: the workshop's force
        - ``workshop_id``: ``"W1"`` ... ``"W8"``
        - ``child_id``: ``"W3-C05"`` (workshop and child, unique overall)
        - ``theme``: ``workshop_theme`` code
        - ``comment``: the comment

    Raises
    ------
    ValueError
        If a force name is not canonical or repeated, the workshops cannot
        be split evenly between forces, the children cannot be split 6-10
        per workshop, ``shares`` does not cover the scale, or no total
        number of comments gives the exact rounded shares.

    Examples
    --------
    >>> import numpy as np
    >>> wc = workshop_comments(np.random.default_rng(3), forces=["Cumbria", "Durham", "Gwent", "Lincolnshire"])
    >>> pct = (100 * wc["theme"].value_counts() / len(wc)).round().astype(int)
    >>> [int(pct[k]) for k in ("fun_new_things", "learning_helping", "connecting_policing", "other")]
    [42, 33, 19, 6]
    """
    cb = load_codebook()
    _check_pools(cb)
    _check_forces(cb, forces, "workshop_comments")
    codes = cb.scales["workshop_theme"].codes
    weights = _share_weights(codes, WORKSHOP_THEME_SHARES if shares is None else shares)
    if workshops < 1 or workshops % len(forces):
        raise ValueError(
            f"workshop_comments: {workshops} workshops cannot be split evenly between {len(forces)} forces"
        )
    low, high = _WORKSHOP_SIZE
    if not workshops * low <= children <= workshops * high:
        raise ValueError(
            f"workshop_comments: {children} children cannot fill {workshops} workshops of {low}-{high} children"
        )

    sizes = _bounded_split(rng, children, workshops, low, high)
    total, counts = _comment_total(rng, weights, children)
    per_child = _bounded_split(rng, total, children, *_COMMENTS_PER_CHILD)

    themes = rng.permutation(np.repeat(np.asarray(codes, dtype=object), counts))
    texts = np.empty(total, dtype=object)
    for code in codes:
        where = np.flatnonzero(themes == code)
        texts[where] = _draw_cycling(rng, WORKSHOP_COMMENT_POOLS[code], len(where))

    per_force = workshops // len(forces)
    rows: list[tuple[str, str, str, str]] = []
    child = 0
    for w, size in enumerate(sizes):
        force = forces[w // per_force]
        for c in range(int(size)):
            for _ in range(int(per_child[child])):
                rows.append((force, f"W{w + 1}", f"W{w + 1}-C{c + 1:02d}", ""))
            child += 1
    frame = pd.DataFrame(rows, columns=["force", "workshop_id", "child_id", "_"])
    frame.insert(0, "comment_id", [f"WC{i + 1:03d}" for i in range(total)])
    frame["theme"] = themes.astype(str)
    frame["comment"] = texts.astype(str)
    columns = list(cb.instruments["workshop_comments"].column_names)
    return frame[columns].astype(str).reset_index(drop=True)


def interview_excerpts(
    rng: np.random.Generator,
    *,
    lead_forces: Sequence[str],
    case_study_forces: Sequence[str],
) -> pd.DataFrame:
    """Coded excerpts from the interviews with strategic leads, practitioners and teachers.

    One strategic lead per force in ``lead_forces`` (the report interviewed
    leads in 10 forces), then in each of ``case_study_forces`` two
    practitioners and two teachers. Each interviewee contributes several
    excerpts on different ``interview_theme`` codes, weighted by role:
    leads mostly on aims, selection, strengths/weaknesses/opportunities/
    threats and information sharing; practitioners on delivery, children's
    voice and the community; teachers on the school's experience. Every
    theme occurs at least once, and the excerpts listed in
    :data:`PLANTED_IDENTIFIERS` are always included.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the result depends only on its state and the
        other arguments.
    lead_forces : sequence of str
        Canonical force names, one per strategic lead, distinct; at least 2.
    case_study_forces : sequence of str
        Canonical force names of the case-study sites, distinct; at least 1.

    Returns
    -------
    pandas.DataFrame
        One row per excerpt, the codebook columns of ``interview_excerpts``
        in order, all strings, no missing values:

        - ``excerpt_id``: ``"IE001"``, ``"IE002"``, ...
        - ``force``: the interviewee's force
        - ``interviewee_id``: ``"SL01"`` (lead), ``"PR01"`` (practitioner),
          ``"TE01"`` (teacher)
        - ``role``: ``interview_role`` code
        - ``theme``: ``interview_theme`` code
        - ``excerpt``: the excerpt

        Rows are ordered by interviewee (leads first), then theme in
        codebook order.

    Raises
    ------
    ValueError
        If a force name is not canonical or a list repeats a force or is
        too short.

    Examples
    --------
    >>> import numpy as np
    >>> ie = interview_excerpts(
    ...     np.random.default_rng(0),
    ...     lead_forces=["Durham", "Lincolnshire", "Cumbria", "Gwent", "Merseyside",
    ...                  "Cleveland", "Thames Valley", "Northumbria", "Lancashire", "Kent"],
    ...     case_study_forces=["Cumbria", "Durham", "Gwent", "Lincolnshire"],
    ... )
    >>> ie.groupby("role")["interviewee_id"].nunique().to_dict()
    {'practitioner': 8, 'strategic_lead': 10, 'teacher': 8}
    """
    cb = load_codebook()
    _check_pools(cb)
    _check_forces(cb, lead_forces, "interview_excerpts (lead_forces)")
    _check_forces(cb, case_study_forces, "interview_excerpts (case_study_forces)")
    if len(lead_forces) < 2:
        raise ValueError("interview_excerpts: lead_forces needs at least 2 forces (the report has 10)")
    theme_codes = cb.scales["interview_theme"].codes

    # Interviewees: (id, force, role), leads first.
    people = [(f"SL{i + 1:02d}", force, "strategic_lead") for i, force in enumerate(lead_forces)]
    seen = {"practitioner": 0, "teacher": 0}
    for force in case_study_forces:
        for role, n in _CASE_STUDY_INTERVIEWEES:
            for _ in range(n):
                seen[role] += 1
                people.append((f"{_ID_PREFIX[role]}{seen[role]:02d}", force, role))

    # Themes each interviewee talks about.
    chosen: list[list[str]] = []
    for _, _, role in people:
        weights = _THEME_WEIGHTS[role]
        names = list(weights)
        p = np.asarray([weights[k] for k in names], dtype=float)
        low, high = _EXCERPTS_PER_INTERVIEWEE[role]
        k = int(rng.integers(low, high + 1))
        picked = rng.choice(len(names), size=k, replace=False, p=p / p.sum())
        chosen.append([names[i] for i in picked])
    used = {t for themes in chosen for t in themes}
    for code in theme_codes:  # every theme at least once: the first lead covers any gap
        if code not in used:
            chosen[0].append(code)

    # Texts: each (role, theme) pool is drawn without repeats until it runs out.
    demand: dict[tuple[str, str], int] = {}
    for (_, _, role), themes in zip(people, chosen, strict=True):
        for theme in themes:
            demand[(role, theme)] = demand.get((role, theme), 0) + 1
    drawn = {
        key: list(_draw_cycling(rng, INTERVIEW_EXCERPT_POOLS[key[0]][key[1]], n)) for key, n in sorted(demand.items())
    }

    per_person: list[list[tuple[str, str]]] = []
    for (_, _, role), themes in zip(people, chosen, strict=True):
        per_person.append([(theme, drawn[(role, theme)].pop()) for theme in themes])
    index_by_role: dict[tuple[str, int], int] = {}
    counter = {"strategic_lead": 0, "practitioner": 0, "teacher": 0}
    for i, (_, _, role) in enumerate(people):
        index_by_role[(role, counter[role])] = i
        counter[role] += 1
    for role, nth, theme, text in _PLANTED_EXCERPTS:
        if (role, nth) in index_by_role:
            per_person[index_by_role[(role, nth)]].append((theme, text))
        else:  # too few interviewees of that role: give it to the first lead
            per_person[0].append((theme, text))

    order = {code: i for i, code in enumerate(theme_codes)}
    rows: list[tuple[str, str, str, str, str]] = []
    for (pid, force, role), items in zip(people, per_person, strict=True):
        for theme, text in sorted(items, key=lambda item: order[item[0]]):
            rows.append((force, pid, role, theme, text))
    frame = pd.DataFrame(rows, columns=["force", "interviewee_id", "role", "theme", "excerpt"])
    frame.insert(0, "excerpt_id", [f"IE{i + 1:03d}" for i in range(len(frame))])
    columns = list(cb.instruments["interview_excerpts"].column_names)
    return frame[columns].astype(str).reset_index(drop=True)


# ---------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------


def _check_pools(cb: Codebook) -> None:
    """Raise ``ValueError`` unless the text pools use exactly the codebook's codes."""
    lead_pools = INTERVIEW_EXCERPT_POOLS["strategic_lead"]
    checks = (
        ("ENJOYED_MOST_BY_THEME", set(ENJOYED_MOST_BY_THEME), "enjoyed_theme"),
        ("WORKSHOP_COMMENT_POOLS", set(WORKSHOP_COMMENT_POOLS), "workshop_theme"),
        ("INTERVIEW_EXCERPT_POOLS", set(INTERVIEW_EXCERPT_POOLS), "interview_role"),
        ("INTERVIEW_EXCERPT_POOLS['strategic_lead']", set(lead_pools), "interview_theme"),
    )
    for name, keys, scale in checks:
        if keys != set(cb.scales[scale].codes):
            raise ValueError(f"demo_text: {name} keys {sorted(keys)} differ from the codes of scale {scale!r}")
    for role, weights in _THEME_WEIGHTS.items():
        missing = set(weights) - set(INTERVIEW_EXCERPT_POOLS[role])
        if missing:
            raise ValueError(f"demo_text: no {role} excerpts for themes {sorted(missing)}")


def _check_forces(cb: Codebook, forces: Sequence[str], where: str) -> None:
    """Raise ``ValueError`` unless ``forces`` are distinct canonical force names."""
    if isinstance(forces, str) or len(forces) == 0:
        raise ValueError(f"{where}: give a non-empty sequence of force names")
    bad = [f for f in forces if cb.match_force(f) != f]
    if bad:
        raise ValueError(f"{where}: not canonical force names: {bad}")
    if len(set(forces)) != len(forces):
        raise ValueError(f"{where}: a force is listed twice")


def _share_weights(codes: Sequence[str], shares: Mapping[str, float]) -> np.ndarray:
    """Shares in scale order, normalised to sum to 1; ``ValueError`` if they do not fit the scale."""
    if set(shares) != set(codes):
        raise ValueError(f"workshop_comments: shares must give every workshop_theme code once: {list(codes)}")
    w = np.asarray([float(shares[c]) for c in codes])
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("workshop_comments: shares must be non-negative and not all zero")
    return w / w.sum()


def _percent(count: int, total: int) -> int:
    """The rounded percentage a report would print."""
    return round(100 * count / total)


def _largest_remainder(n: int, weights: np.ndarray) -> np.ndarray:
    """Split ``n`` into integer counts proportional to ``weights`` (ties to the earlier weight)."""
    exact = n * weights
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - int(counts.sum())]] += 1
    return counts


def _comment_total(rng: np.random.Generator, weights: np.ndarray, children: int) -> tuple[int, np.ndarray]:
    """A total number of comments and its split by theme with exactly the target rounded percentages."""
    targets = [round(100 * w) for w in weights]
    lo, hi = children * _COMMENTS_PER_CHILD[0], children * _COMMENTS_PER_CHILD[1]
    preferred = range(max(lo, _COMMENT_TOTAL_RANGE[0]), min(hi, _COMMENT_TOTAL_RANGE[1]) + 1)
    for candidates in (preferred, range(lo, hi + 1)):
        feasible = []
        for total in candidates:
            counts = _largest_remainder(total, weights)
            if [_percent(int(c), total) for c in counts] == targets:
                feasible.append((total, counts))
        if feasible:
            total, counts = feasible[int(rng.integers(len(feasible)))]
            return total, counts
    raise ValueError(f"workshop_comments: no total of {lo}-{hi} comments gives the rounded shares {targets} exactly")


def _bounded_split(rng: np.random.Generator, total: int, parts: int, low: int, high: int) -> np.ndarray:
    """Split ``total`` at random into ``parts`` integers, each between ``low`` and ``high``."""
    extra = total - parts * low
    room = high - low
    if extra < 0 or extra > parts * room:
        raise ValueError(f"cannot split {total} into {parts} parts of {low}-{high}")
    slots = rng.choice(parts * room, size=extra, replace=False) if room else np.empty(0, dtype=int)
    return low + np.bincount(np.asarray(slots, dtype=int) // max(room, 1), minlength=parts)


def _draw_cycling(rng: np.random.Generator, pool: Sequence[str], n: int) -> np.ndarray:
    """``n`` texts from ``pool``: a shuffled pass through the pool, then another, and so on."""
    passes = -(-n // len(pool)) if n else 0
    order = np.concatenate([rng.permutation(len(pool)) for _ in range(passes)]) if passes else np.empty(0, dtype=int)
    return np.asarray([pool[int(i)] for i in order[:n]], dtype=object)
