"""The project's demo content: categories, members, threads and one long article discussion.

`flask forum seed-demo` and `flask forum first-run` call `seed_demo()` so that a new forum never
looks empty. The content is plain data below; the few functions at the end write it through the
same services the app uses, then backdate it so the forum reads as if it had been alive for years,
and finally make the changes that come later in a conversation: an edit, a deleted post.
"""

import re
import secrets
import textwrap
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select, update

from .auth import service as accounts
from .database import write_transaction
from .extensions import db
from .models import Category, Post, Thread, User
from .models.base import utcnow
from .posts import service as posts
from .posts.context import links_allowed_for
from .posts.quoting import quote_markdown
from .posts.render import HIDDEN_LINK
from .threads import service as threads

# (slug, name, description), in the order the forum lists them.
CATEGORIES = (
    ("news", "News & Articles", "Local news, articles, and the discussions around them."),
    ("general", "General Discussion", "Introductions, books, films, food and everything else."),
    ("help", "Help & Questions", "Ask the community: home, tech, getting around town."),
    ("feedback", "Site Feedback", "Ideas for the forum, and problems with it."),
    ("lounge", "Members' Lounge", "For signed-in members only: guests see that it exists, not what is in it."),
)
MEMBERS_ONLY = {"lounge"}

# (username, full name, name style). Several members chose to show only their first name and
# last initial ("short": Rhonda Bird is shown as "Rhonda B.").
MEMBERS = (
    ("susan_t", "Susan Talbot", "short"),
    ("rhonda_b", "Rhonda Bird", "short"),
    ("lou_d", "Lou DeMarco", "short"),
    ("jose_l", "Jose Lozano", "short"),
    ("priya_nair", "Priya Nair", "full"),
    ("walt_h", "Walt Hendricks", "short"),
    ("kenji_w", "Kenji Watanabe", "full"),
    ("fatima_z", "Fatima Zahra", "full"),
    ("bea_m", "Bea Morrow", "short"),
    ("oskar_l", "Oskar Lindqvist", "full"),
    ("marcus_webb", "Marcus Webb", "full"),
    ("amara_o", "Amara Obi", "short"),
    ("tom_okafor", "Tom Okafor", "full"),
    ("dana_whitfield", "Dana Whitfield", "full"),
    ("nadia_k", "Nadia Kowalski", "full"),
)

# Joined the forum hours before her first post, in the article thread: her link shows as hidden.
NEWCOMER = "nadia_k"


class Reply(NamedTuple):
    """A reply in a demo thread; a plain (author, body) pair is one too."""

    author: str
    body: str
    key: str | None = None  # how later replies name it, to quote or answer it
    quote: tuple[str, str | None] | None = None  # (key, excerpt) of the post quoted above the body
    to: str | None = None  # key of the post it answers; by default, the one it quotes
    edit: str | None = None  # what its author adds in an edit, after the grace period
    deleted: bool = False  # its author deletes it once everything is written


# Relative gaps between consecutive posts of a thread, cycled; a thread's replies are spread
# over its `span_hours` in this rhythm, so some come minutes apart and some after a long pause.
REPLY_RHYTHM = (3, 1, 5, 2, 8, 1, 4, 13, 2, 6, 1, 3)

# Ordinary threads, oldest first. `days_ago` dates the opening post (fractions give it a time of
# day); `span_hours` is how long after it the last reply came. Bodies are Markdown. A thread's key
# names its opening post, a reply's `key` names the reply; `quote` takes the quoted text from the
# named post, as the Quote button does: an excerpt of it, "…end" for its start through `end`, or
# None for all of it.
THREADS = (
    {
        "key": "introductions",
        "category": "general",
        "author": "susan_t",
        "days_ago": 905.3,
        "span_hours": 24 * 210,
        "title": "Introduce yourself: who's here?",
        "body": """\
            New here, or been lurking for a while? Say hello! Roughly where in town you are, what you're into, and what you hope to find on the forum.

            I'll start: Susan, east side, retired school secretary, grows far too many tomatoes. I'm mostly here for the local news threads and the help section, because somebody always knows the answer.
            """,
        "replies": (
            ("rhonda_b", "Hi all! Rhonda, Elm Street area for over forty years. I knit, I read, I complain about parking. My grandson set this account up for me, so be gentle."),
            ("lou_d", 'Lou. I run the hardware store on Main, so if you\'ve ever been told "we don\'t stock that, try online", that was probably me. Sorry. Happy to answer DIY questions in the help section.'),
            ("jose_l", "Jose here. Data analyst by day, amateur baker by night. I'll read any long report you throw at me, which I'm told is an unusual hobby."),
            ("priya_nair", "Hello! Priya: two small kids, one large dog, zero free time. Mostly here to find out which playground has working swings this week."),
            ("walt_h", "Walt. Retired mail carrier, 31 years on the same route, so I probably know your house better than you do. I'm mostly here for the arguments."),
            Reply("kenji_w", "Hi, Kenji. Moved here last year for the cheaper rent and the trees. I work remotely (software). Still learning which bakery is the good one.", key="kenji_hello"),
            Reply("jose_l", "Halvorsen's on 2nd. Go before 9 or the cardamom buns are gone. Welcome!",
                  quote=("kenji_hello", "Still learning which bakery is the good one.")),
            ("fatima_z", "Hello everyone, Fatima. I teach fourth grade at Elm Street Elementary. If your kid comes home talking about volcanoes, that's on me."),
        ),
    },
    {
        "key": "hours_cut",
        "category": "news",
        "author": "dana_whitfield",
        "days_ago": 780.6,
        "span_hours": 24 * 9,
        "title": "Elm Street library hours cut to three days a week",
        "body": """\
            From the library service's notice, taped to the door this morning: starting next month, the Elm Street branch will open Wednesday, Friday and Saturday only, 10 am to 5 pm. Mondays, Tuesdays and Thursdays are cut.

            The service says the change is part of this year's budget savings and that the days chosen were those "with the lowest use". The Central library keeps its current hours.

            No public meeting was held before the decision. The notice says comments can be sent to the library service by email.
            """,
        "replies": (
            ("rhonda_b", "Mondays were when the knitting circle met. I suppose we'll be knitting at my kitchen table now."),
            ("amara_o", "Staff weren't told much more than this either, and some of us are being moved to Central. For what it's worth, Mondays were not quiet at all. It was our busiest computer day."),
            Reply("lou_d", "Budgets are budgets. If Central keeps its full hours I don't see the drama. It's a fifteen-minute drive.", key="lou_drive"),
            Reply("priya_nair", "If you have a car, Lou. It's two buses and forty minutes with a stroller.",
                  quote=("lou_drive", "It's a fifteen-minute drive.")),
            ("susan_t", """\
                I emailed the library service. I'll post the reply here if I get one.

                A week later: the reply says the decision was "based on circulation data" and thanks me for my feedback. That's all.
                """),
            ("walt_h", '"Thanks for your feedback" is how you know the feedback was not needed.'),
        ),
    },
    {
        "key": "quoting",
        "category": "help",
        "author": "bea_m",
        "days_ago": 722.2,
        "span_hours": 30,
        "title": "How do I quote someone in a reply?",
        "body": "Sorry if this is obvious. I see replies with a bit of someone else's post above the answer. How do you do that? Is there a button I'm missing?",
        "replies": (
            ("susan_t", """\
                Not obvious at all! Put a > at the start of each line you're quoting, leave an empty line, then write your answer. Like this:

                > Bea M. wrote:
                > Is there a button I'm missing?

                No button (yet), just the > sign.
                """),
            ("bea_m", """\
                > Susan T. wrote:
                > just the > sign

                Oh, that's easy. Like this? Thank you, Susan!
                """),
            ("jose_l", "And to quote someone who was quoting someone else, use two: >> for the older words, > for the newer ones. It gets confusing after three levels, so most people trim it down."),
            ("walt_h", """\
                > Jose L. wrote:
                >> Bea M. wrote:
                >> How do you do that?
                >
                > use two: >> for the older words

                Like this? My eyes are crossing. I'm going back to writing "what she said".
                """),
        ),
    },
    {
        "key": "moss",
        "category": "help",
        "author": "oskar_l",
        "days_ago": 610.45,
        "span_hours": 80,
        "title": "Best way to get rid of moss between patio stones?",
        "body": "Our patio is more moss than stone at this point. I've tried scraping it out with a knife, which takes a weekend and it's back in a month. Is there something that actually works and won't kill the lawn next to it, or the neighbor's cat?",
        "replies": (
            Reply("lou_d", "Stiff wire brush, then sweep kiln-dried sand into the joints so it has nowhere to root. Skip the bleach people recommend: it's bad for the lawn and it doesn't last either. We sell the brushes, but any hardware store has them.", key="lou_sand"),
            ("walt_h", "Boiling water from the kettle. Cheap, kills it, cat-safe once it's cooled. You'll need a lot of kettles."),
            ("priya_nair", "Seconding Lou on the sand. Also, moss means shade and damp. If you can trim back whatever is shading it, it comes back much slower."),
            Reply("oskar_l", "Did the wire brush and the sand on Saturday. The patio looks brand new; my back does not. Thanks Lou, Walt, Priya.",
                  quote=("lou_sand", "sweep kiln-dried sand into the joints so it has nowhere to root")),
            ("lou_d", "Good man. Come by and I'll sell you a kneeling pad for next time."),
        ),
    },
    {
        "key": "dark_mode",
        "category": "feedback",
        "author": "kenji_w",
        "days_ago": 540.8,
        "span_hours": 24 * 40,
        "title": "Dark mode, please?",
        "body": "Small request: could the forum get a dark theme? I mostly read here late at night and the white background is like staring into the fridge light. Even just following the system setting would be great.",
        "replies": (
            ("jose_l", "+1. Following the system setting would be ideal: no extra toggle to find."),
            Reply("rhonda_b", "I don't mind the white, but if you do this, please don't make the text grey on grey. My eyes aren't what they were.", key="rhonda_grey"),
            Reply("kenji_w", "Agreed. Contrast matters more than the color. Dark mode done badly is worse than no dark mode.",
                  quote=("rhonda_grey", "please don't make the text grey on grey")),
            ("susan_t", "Passed this along to the people who run the site. They say it's on the list, together with keeping everything readable when you zoom in."),
            ("bea_m", "Late to this, but thank you for asking about big text too. I read everything at 150%."),
        ),
    },
    {
        "key": "films",
        "category": "general",
        "author": "marcus_webb",
        "days_ago": 431.35,
        "span_hours": 24 * 10,
        "title": "Films that stayed with you for days",
        "body": """\
            Not necessarily the best films you've seen, but the ones you kept thinking about for days afterwards.

            Mine: "Tokyo Story". Nothing happens, and then you notice everything happened. Saw it at the old Rialto before it closed and walked home the long way.
            """,
        "replies": (
            ("fatima_z", '"Wadjda". A girl who wants a bicycle, that\'s the whole plot. I watch it every couple of years and it gets me every time.'),
            Reply("kenji_w", """\
                My grandmother's favorite. She said it was the most honest film about families ever made. I didn't get it until my thirties.
                """, quote=("films", "Nothing happens, and then you notice everything happened.")),
            Reply("lou_d", '"Jaws". I\'m not ashamed. I didn\'t swim in a lake for a year.', key="lou_jaws"),
            Reply("walt_h", "Lou, you don't swim in lakes now either. I've seen you at the town beach.",
                  quote=("lou_jaws", "I didn't swim in a lake for a year.")),
            Reply("amara_o", '"Paddington 2". Laugh all you want. It\'s a film about being kind to people on purpose, and I needed that.', key="amara_paddington"),
            Reply("marcus_webb", "Not laughing at all. That's a better review than most critics managed.",
                  quote=("amara_paddington", "It's a film about being kind to people on purpose")),
        ),
    },
    {
        "key": "laptop_fan",
        "category": "help",
        "author": "rhonda_b",
        "days_ago": 352.15,
        "span_hours": 50,
        "title": "Laptop fan running constantly: what should I check?",
        "body": "My laptop (about five years old, Windows) has started sounding like a hairdryer, even when I'm just reading email. It's slow, too. My grandson is away at college. What should I check before I take it to a shop?",
        "replies": (
            Reply("kenji_w", "First thing: open the Task Manager (Ctrl + Shift + Esc) and click the CPU column to sort by it. If something is using a lot all the time, that's what keeps the fan busy. Tell us what's at the top and we'll go from there.", key="kenji_task_manager"),
            Reply("rhonda_b", 'It says "Antimalware Service Executable", and then a printer program I don\'t recognize.',
                  quote=("kenji_task_manager", "Tell us what's at the top")),
            ("kenji_w", "The first one is Windows' own virus scanner; it usually calms down within the hour. The printer one is probably an old update helper for a printer you don't have anymore. You can uninstall it under Settings, Apps."),
            ("jose_l", "Also: five years of dust. A can of compressed air into the vents, with the laptop off, does wonders. Short bursts, and hold the fan still with a toothpick so it doesn't overspin."),
            ("rhonda_b", "Uninstalled the printer thing and blew out a frankly disgusting amount of dust. Quiet as a mouse now. Thank you both, you've saved me a trip and probably a hundred dollars."),
            ("walt_h", "Rhonda, this is the most successful help thread in the history of the forum and I demand that it be framed."),
        ),
    },
    {
        "key": "friends_notes",
        "category": "general",
        "author": "amara_o",
        "days_ago": 301.7,
        "span_hours": 24 * 6,
        "title": "Friends of Elm Street Library: volunteer meeting notes",
        "body": """\
            Notes from Thursday's meeting of the Friends of Elm Street Library, for those who couldn't make it. Fourteen people came.

            1. Saturday story time continues with volunteer readers while staff hours are short. The sign-up sheet is at the desk.
            2. The book sale raised $1,240. It goes to new children's books and a replacement door counter.
            3. We are writing to the council to ask for the branch's visits to be counted properly. The door counter has been broken for years.
            4. Next meeting: first Thursday of next month, 7 pm, St. Brendan's community room.

            Anyone can join. You don't have to be a librarian, you just have to like the place.
            """,
        "replies": (
            ("rhonda_b", "Put me down for story time on the second Saturday. I do a very good bear voice."),
            Reply("fatima_z", "I can bring my class for a weekday visit if that helps the numbers. Will the counter be fixed by then?", key="fatima_counter"),
            Reply("amara_o", """\
                The library service says they'll "look into it". We've bought one ourselves; now we need permission to install it. I'll keep you posted.
                """, quote=("fatima_counter", "Will the counter be fixed by then?")),
        ),
    },
    {
        "key": "lounge_meetup",
        "category": "lounge",
        "author": "walt_h",
        "days_ago": 30.2,
        "span_hours": 24 * 3,
        "title": "Regulars' coffee meetup, first Saturday of the month",
        "body": "For those of us who have been around a while: coffee at Halvorsen's on 2nd, first Saturday of the month, 9 sharp. I'll be the one with the mail carrier's tan. Kept it in the lounge so it isn't on the front page for the whole internet.",
        "replies": (
            ("rhonda_b", "I'll be there. I'll bring the knitting so you can spot me."),
            ("jose_l", "Count me in, if there are cardamom buns left by 9."),
        ),
    },
    {
        "key": "notifications",
        "category": "feedback",
        "author": "priya_nair",
        "days_ago": 212.4,
        "span_hours": 24 * 15,
        "title": "Could we get email notifications for replies?",
        "body": "I keep starting threads and forgetting to check back, and by the time I do, three people have answered and moved on. Could the forum email me when someone replies to my thread? Once a day would be plenty.",
        "replies": (
            ("jose_l", "Yes please, but opt-in, with a one-click way to turn it off. Nothing worse than a forum that emails you every five minutes."),
            Reply("oskar_l", "Please make it a daily digest rather than one email per reply. I'm in enough group chats.", key="oskar_digest"),
            Reply("susan_t", "Why not both, and we each pick? Some of us like to know right away when someone has answered a help question.",
                  quote=("oskar_digest", "a daily digest rather than one email per reply")),
            ("priya_nair", "Choosing sounds perfect. Thanks, everyone. I'll leave it with the site folks."),
        ),
    },
    {
        "key": "soup",
        "category": "general",
        "author": "walt_h",
        "days_ago": 150.55,
        "span_hours": 24 * 12,
        "title": "Rainy day recipes: share your soup",
        "body": "It has rained for nine days straight and I have made the same potato soup four times. Help me. What's your soup when the weather is like this? Recipes, or at least rough instructions, please.",
        "replies": (
            ("jose_l", "Black bean soup. Onion, garlic, cumin, two cans of black beans with their liquid, a can of tomatoes. Simmer 20 minutes, blend half of it. Lime and a spoon of sour cream on top. Twenty-five minutes start to finish."),
            ("priya_nair", "Dal. Red lentils, turmeric and a lot of ginger, simmered until soft; then fry cumin seeds and garlic in butter and pour it over. The kids call it yellow soup and eat three bowls."),
            Reply("kenji_w", "Miso soup with whatever's in the fridge. Dashi (instant is fine), tofu, spring onion, a handful of spinach, and the miso stirred in at the end, off the heat. Five minutes. Don't boil the miso.", key="kenji_miso"),
            Reply("walt_h", "I have boiled a great many things in my life that I was told not to boil. I'll try to behave.",
                  quote=("kenji_miso", "Don't boil the miso.")),
            ("rhonda_b", "My mother's chicken and dumplings. The secret: the dumplings go in at the very end with the lid on, and you don't peek. Not once. Walt, that means you."),
            ("fatima_z", "Harira, the Moroccan one. Lentils, chickpeas, tomatoes, lots of herbs and a little cinnamon. It's what my family breaks the fast with in Ramadan, and it's perfect for rain too."),
            ("walt_h", "Made Jose's black beans on Tuesday and Priya's dal last night. I am a changed man. Rhonda, I didn't peek. Much."),
        ),
    },
    {
        "key": "bus_14",
        "category": "help",
        "author": "bea_m",
        "days_ago": 61.3,
        "span_hours": 20,
        "title": "Bus 14 route change: which stop replaced Oak & 3rd?",
        "body": "The Oak & 3rd stop has a bag over the sign and I can't find anything on the transit website. Where does the 14 stop now? I take it to my physical therapy appointments on Tuesdays.",
        "replies": (
            Reply("tom_okafor", "It has moved one block up to Oak & 4th, in front of the pharmacy, while they redo the sidewalk. The driver told me it's until the end of the month.", key="tom_oak"),
            Reply("bea_m", "Found it. Thank you, Tom, you saved my Tuesday.", quote=("tom_oak", "Oak & 4th, in front of the pharmacy")),
            ("susan_t", 'For anyone searching later: the transit service posts temporary changes on its "service alerts" page, not on the route page. Took me ages to find it too.'),
        ),
    },
    {
        "key": "reading",
        "category": "general",
        "author": "susan_t",
        "days_ago": 26.65,
        "span_hours": 24 * 12,
        "title": "What are you reading this month?",
        "body": """\
            Monthly reading thread. What's on your nightstand, and would you recommend it?

            I'm halfway through "Demon Copperhead" by Barbara Kingsolver. Heavy going in places, but the voice is so alive that I keep reading past midnight.
            """,
        "replies": (
            ("rhonda_b", 'Just finished "Lessons in Chemistry". Loved the dog. Loved the dog more than most of the people, honestly.'),
            Reply("jose_l", '"The Dawn of Everything" by Graeber and Wengrow. Fascinating, and about two hundred pages too long. I\'m reading it in small doses.', key="jose_dawn"),
            Reply("susan_t", "Jose, you read council budget reports for fun. Don't tell me a book is too long.",
                  quote=("jose_dawn", "about two hundred pages too long")),
            ("priya_nair", 'Picture books only at our house. "The Snail and the Whale" has been read aloud approximately four hundred times this month. I could recite it at a job interview.'),
            Reply("fatima_z", '"Klara and the Sun" by Kazuo Ishiguro. Gentle, sad and a bit haunting. I\'m reading it in the staff room at lunch.', key="fatima_klara"),
            Reply("kenji_w", """\
                That's every Ishiguro book, isn't it? "The Remains of the Day" wrecked me for a week. Adding Klara to my list.
                """, quote=("fatima_klara", "Gentle, sad and a bit haunting.")),
            ("oskar_l", '"The Martian", again. It\'s my comfort read: a man solves one problem at a time and doesn\'t give up. Very soothing after a rough week.'),
            ("bea_m", 'Borrowed "Olive Kitteridge" from the Elm Street branch on Saturday. I had forgotten how good it is. And how much I like that little library.'),
        ),
    },
)

# The model conversation: a news article with a long, heated reader discussion under it.
# `{thread:key}` in its body becomes the address of the demo thread with that key.
ARTICLE = {
    "key": "branch_closure",
    "category": "news",
    "author": "dana_whitfield",
    "days_ago": 3.9,
    "span_hours": 3.9 * 24 - 5,
    "title": "Council votes 5–4 to close the Elm Street branch library",
    "body": """\
        By Dana Whitfield

        The city council voted 5–4 on Tuesday night to close the Elm Street branch library at the end of March and put its 1920s building up for sale, ending a two-year fight over the branch's future.

        The decision follows a consultant's report, commissioned last spring, which found that visits to Elm Street fell by 38 percent over five years and that the building needs an estimated $1.9 million in roof, heating and accessibility repairs. The report recommended either a full renovation or "consolidation" with the Central library, 2.3 miles away.

        Council member Maria Ortega, who chairs the budget committee, said the city "cannot keep pouring money into a building that fewer people use every year". The savings, about $410,000 a year in staffing and upkeep, would pay for longer evening hours at Central and a new mobile library van.

        Opponents packed the chamber. More than forty residents spoke during public comment, most of them against the closure. Several pointed out that visits fell after the branch's hours were cut to three days a week two years ago, and argued that the council had "starved the branch and then blamed it for being hungry". Council member Dev Raman, who voted no, asked why the renovation option was never costed against the price of the van and the extra hours.

        The Friends of Elm Street Library say they will ask the council to delay the sale for twelve months while they raise money for repairs. The group meets next Thursday at 7 pm in the community room of St. Brendan's.

        What happens to the building has not been decided. The city's property office said it would "consider all offers", including offers from non-profits.

        Photo: the Elm Street branch on a Saturday morning in October. Photo by Marcus Webb, used with permission.

        Related threads:
        When the hours were cut: {thread:hours_cut}
        Friends of Elm Street Library, volunteer meeting notes: {thread:friends_notes}
        """,
    "replies": (
        Reply("lou_d", """\
            Here we go. Everyone is going to be sad about a building nobody went into.

            I'm sorry, but 38 percent is 38 percent. The council never hid any of this; the report has been online since June.
            """, key="lou_38"),
        Reply("susan_t", """\
            And the hours were cut by more than half two years ago. Of course visits fell. It's right there in the article, paragraph four.

            If you close a shop four days a week, you don't get to be surprised that it sells less.
            """, key="susan_shop", quote=("lou_38", "38 percent is 38 percent")),
        Reply("rhonda_b", "I've had a card at Elm Street since 1979. My kids learned to read in the little room at the back, the one with the carpet that looks like a map. I know that's not an argument the budget committee cares about, but I wanted it written down somewhere.", key="rhonda_card"),
        Reply("jose_l", """\
            I went through the consultant's report last night (all 84 pages, you're welcome). A few things the article doesn't have room for:

            - The $1.9M is the *full* option: roof, boiler, elevator and rewiring. The roof alone is about $620K.
            - The "consolidation" savings assume no extra staff at Central. The council's own plan adds evening hours there, which needs staff.
            - The van is $258K to buy, plus a driver.

            So the $410K a year is the best case. It's not nothing, but it isn't the slam dunk either side is making it out to be.

            The report is on the council's site if you want to check my reading: https://www.millbrook.example/council/reports/elm-street-branch-review.pdf
            """, key="jose_report", edit="Edit: the van is $285K, not $258K. My typo, sorry."),
        Reply("lou_d", """\
            The hours were cut because nobody came on Mondays and Tuesdays, Susan. Chicken, egg.

            And Rhonda, I mean this kindly: I have memories of the old pool on Birch Road too. It's a parking lot now, and the town survived.
            """, key="lou_chicken",
            quote=("susan_shop", "If you close a shop four days a week, you don't get to be surprised that it sells less.")),
        Reply("rhonda_b", "Did it, though? Where do kids learn to swim now? Oh right: a forty-minute bus ride to the rec center.",
              quote=("lou_chicken", "It's a parking lot now, and the town survived.")),
        Reply("walt_h", "The town survived the pool, the Rialto and the bandstand. At this rate Millbrook will be one big parking lot with a council office in the middle.", to="lou_chicken"),
        Reply("priya_nair", """\
            My two go to story time on Saturdays. Since the cuts the branch is open three days a week, and Saturday is the only one we can make. Central is two buses away with a stroller. The van is a nice idea, but a van doesn't have a restroom, a warm room, or a librarian who knows your kid's name.

            Jose L, thank you for actually reading the report. Does it say anything about who uses the branch, not just how many?
            """, key="priya_who", to="jose_report"),
        Reply("jose_l", "A little, in appendix C. Elm Street has the highest share of under-12 and over-65 card holders of any branch, and the most computer sessions per opening hour. Fewer visits, but the people who come stay longer and rely on it more. That part didn't make the council's slides.",
              key="jose_appendix", quote=("priya_who", "Does it say anything about who uses the branch, not just how many?")),
        Reply("susan_t", "Of *course* it didn't.", quote=("jose_appendix", "That part didn't make the council's slides.")),
        Reply("oskar_l", "Devil's advocate, since somebody has to be: $1.9 million is real money. That's a school roof, or a year of pothole repairs. Everyone here wants the library saved; nobody here is saying what should be cut instead.", key="oskar_cut"),
        Reply("kenji_w", "The van, for a start? $285K for something nobody asked for. I work remotely, and half the people at Elm Street on a Saturday are there for the wifi and the desks because they have neither at home. You can't do a job interview over video from the back of a van.",
              quote=("oskar_cut", "nobody here is saying what should be cut instead")),
        Reply("tom_okafor", "I'll stick up for the van a little. My mom lives in Eastfield, and there's no branch out there at all. A van that comes every week would be more library than she's had in ten years. It doesn't have to be Elm Street versus the van.", key="tom_van"),
        Reply("susan_t", "That's fair, Tom, and I'd vote for the van tomorrow if it weren't paid for by closing a branch. The council is the one that tied them together.",
              key="susan_van", quote=("tom_van", "It doesn't have to be Elm Street versus the van.")),
        Reply("lou_d", "Because that's what a budget is. Money spent here isn't spent there. Honestly, the council never promised to keep every building open forever. It promised to run a library service, and longer hours at Central plus a van is a library service.",
              key="lou_budget", quote=("susan_van", None)),
        Reply("tom_okafor", "I see my own words are three quotes deep now. Lou, I said it doesn't *have* to be one or the other. You're right that a budget is choices; I'd just like the council to admit it made this one.",
              quote=("lou_budget", "…Money spent here isn't spent there.")),
        Reply("amara_o", """\
            I worked at Elm Street for six years, until the cuts moved me to Central. Two corrections to things said above, from someone who was there.

            Mondays weren't *empty*. They were our busiest computer day, because that's when people did job applications and benefit forms. The hours were cut by closing the days with the fewest book loans, not the fewest visitors. The system didn't count people who came in only to use a computer or to ask for help.

            So Lou D, I don't think it's chicken and egg. The count was wrong before the cut.
            """, key="amara_count", to="lou_chicken"),
        Reply("lou_d", "OK, that I didn't know, and if it's true it's a real problem. Is that in the report, or is it your memory? Not being snarky, genuinely asking.",
              key="lou_asks", quote=("amara_count", "The system didn't count people who came in only to use a computer or to ask for help.")),
        Reply("amara_o", """\
            Both. Footnote 14, page 31: "door counter data unavailable for the Elm Street branch for the review period; visits estimated from circulation."

            The door counter broke years ago and was never replaced. I reported it four times.
            """, key="amara_footnote", to="lou_asks"),
        Reply("jose_l", "Confirmed, footnote 14. I missed it the first time. So the 38 percent is an estimate built on book loans, at a branch whose users mostly come for the computers and story time. That's... not great, as methodology goes. @lou_d, that's your 38 percent.",
              key="jose_footnote", to="amara_footnote"),
        Reply("walt_h", "So the whole thing was decided by a broken door counter. Somebody give that counter a seat on the council; it's clearly the most influential member.",
              key="walt_counter", to="amara_footnote"),
        Reply("bea_m", "Walt, I laughed and then I felt sad. Reported four times. Four!", to="walt_counter"),
        Reply("oskar_l", "Fair. I'll withdraw \"38 percent is 38 percent\" on Lou's behalf. My point about the $1.9M still stands, though.",
              key="oskar_withdraw", quote=("jose_footnote", "That's... not great, as methodology goes.")),
        Reply("lou_d", """\
            Nobody authorized you to withdraw anything on my behalf, Oskar. :)

            But fine: the number is shakier than I thought. It still doesn't fix the roof.
            """, quote=("oskar_withdraw", "I'll withdraw \"38 percent is 38 percent\" on Lou's behalf.")),
        Reply("walt_h", "Maria Ortega hasn't been inside a library since they stopped stamping the due dates. Somebody should ask her what a book is for before she sells the building.",
              key="walt_ortega", deleted=True),
        Reply("bea_m", "Walt, come on. She's wrong about the branch, but she's a person, and for all we know she reads this forum. Argue with the vote, not with her.",
              key="bea_ortega", quote=("walt_ortega", "Somebody should ask her what a book is for")),
        Reply("walt_h", "Bea's right. I've taken it down. Argue with the vote.", to="bea_ortega"),
        Reply("fatima_z", """\
            I teach fourth grade at Elm Street Elementary, two streets from the branch. Every class walks there once a month. If it closes, that walk becomes a bus booking and a stack of permission slips, which means it won't happen. That's about two hundred kids a year who won't set foot in a library with their teacher.

            Nobody from the council asked the school. Not once.
            """),
        Reply("dana_whitfield", """\
            A few answers to questions people have sent me privately, since I wrote the piece:

            - The council says the school was "included in the wider consultation". I've asked which meeting and will post here when I hear back.
            - The twelve-month delay the Friends want needs a new vote. Two of the five yes votes would have to change.
            - The property office confirmed to me that the building is not listed, so a buyer could demolish it.

            I'll leave the article as it is and post corrections in this thread.
            """, key="dana_answers"),
        Reply("rhonda_b", "Oh, for heaven's sake. The map carpet.", quote=("dana_answers", "a buyer could demolish it")),
        Reply("marcus_webb", """\
            Since a few people asked about the photo: I took it on a Saturday in October at about 10:15, and the line at the door was for story time. Twenty-three people waiting in the rain, I counted. That's not what a dying branch looks like to me.

            The Friends are welcome to use it on their flyers.
            """, key="marcus_photo"),
        Reply("lou_d", """\
            On a Saturday, Marcus, one of the only three days it's open. You'd get a line at the dentist if it opened three days a week.

            Look, I'm not the villain here. I just think everyone in this thread is arguing about the library they remember, and the council has to pay for the one that exists.
            """, key="lou_villain", quote=("marcus_photo", "Twenty-three people waiting in the rain")),
        Reply("susan_t", "Nobody said you were, Lou. But \"the one that exists\" cuts both ways. The one that exists is used by two hundred schoolkids, a few hundred people without internet at home, and a lot of retirees. Those are present-day people.",
              key="susan_present", quote=("lou_villain", "I'm not the villain here.")),
        Reply("priya_nair", "Susan T, that's exactly it. And @fatima_z, please come to the Friends meeting on Thursday and say the school part out loud. That's the argument that will land.",
              key="priya_thursday", to="susan_present"),
        Reply("fatima_z", "I'll be there. I'll bring the class photo from last month's visit, with the parents' permission.",
              quote=("priya_thursday", "please come to the Friends meeting on Thursday")),
        Reply("kenji_w", "Practical question for @jose_l: has anyone costed a smaller repair? You said the roof is about $620K. If you fix the roof and the heating and leave the elevator for later, is it still $1.9M?",
              key="kenji_smaller", to="jose_report"),
        Reply("jose_l", "Roof plus boiler is about $870K in table 6. But the elevator can't really wait: without step-free access the building can't keep running public programs under the accessibility rules. So realistically roof, boiler and elevator come to around $1.3M. Still a lot, but it's not $1.9M, and it can be spread over two budget years.",
              key="jose_smaller", quote=("kenji_smaller", "If you fix the roof and the heating and leave the elevator for later")),
        Reply("oskar_l", "$1.3M against $410K a year in savings means the closure pays for itself in about three years. I'm not saying that settles it, but that's the number the council will put on the screen.",
              key="oskar_payback", quote=("jose_smaller", "…realistically roof, boiler and elevator come to around $1.3M")),
        Reply("amara_o", "Only if the $410K is real, and Jose already showed it assumes no new staff at Central. Take out the extra evening staff and the van driver and the saving is closer to $190K. Then it's seven years, not three.",
              quote=("oskar_payback", "the closure pays for itself in about three years")),
        Reply("lou_d", "Seven years is still a payback. I run a small business; I'd take that deal.", key="lou_payback"),
        Reply("bea_m", "Lou D, a library isn't a small business, though. Nobody asks the fire station for a payback period.",
              key="bea_fire", to="lou_payback"),
        Reply("lou_d", "They absolutely do, Bea. Ask anyone who sat through the station merger. But I take the point.",
              quote=("bea_fire", "Nobody asks the fire station for a payback period.")),
        Reply("walt_h", "Proposal: we keep the library, sell the van, and put the broken door counter in the town museum. Everybody wins, except the door counter, which has had a good run.", key="walt_van"),
        Reply("tom_okafor", """\
            Walt, my mom in Eastfield would like a word.

            Seriously though, could the Friends ask for both? Keep Elm Street with the cheaper repair, and ask for the van to come out of the county's rural services grant instead. @amara_o, does the library service ever get county money for that kind of thing?
            """, key="tom_county", quote=("walt_van", "sell the van")),
        Reply("amara_o", "It has before. The old book bus in the nineties was half paid for by the county. Worth asking, Tom. I'll raise it on Thursday.",
              quote=("tom_county", "does the library service ever get county money for that kind of thing?")),
        Reply("nadia_k", "First post, I signed up because of this thread. I've started a petition asking the council to delay the sale by twelve months, 212 signatures so far: https://petition.example.org/save-elm-street-library",
              key="nadia_petition"),
        Reply("priya_nair", "Welcome, @nadia_k! The forum keeps a new member's links hidden for a few days (it's the spam rule, not you), so bring the petition to St. Brendan's on Thursday and I'll sign it there.",
              to="nadia_petition"),
        Reply("susan_t", """\
            This is the *most useful* this thread has been. A summary for anyone arriving late:

            1. The 38 percent drop is an estimate from book loans; the door counter was broken (footnote 14).
            2. A realistic repair is about $1.3M, not $1.9M.
            3. The real saving is probably nearer $190K a year than $410K.
            4. The school was never asked.
            5. The van could be paid for another way.
            6. There's a petition for the twelve-month delay; Nadia is bringing it on Thursday.

            Friends meeting: Thursday, 7 pm, St. Brendan's community room. Bring a neighbor.
            """, key="susan_summary"),
        Reply("lou_d", "For the record, it's a fair summary, and I'll be at St. Brendan's on Thursday. Somebody has to ask where the $1.3M comes from, and it might as well be me.",
              key="lou_thursday", quote=("susan_summary", "A summary for anyone arriving late")),
        Reply("rhonda_b", "I'll save you a seat, Lou. Next to me, so I can glare at you during the awkward questions.",
              quote=("lou_thursday", "…I'll be at St. Brendan's on Thursday.")),
        Reply("dana_whitfield", """\
            Update: the council's press office says the school was not consulted directly, "but the consultation was open to all". I'll write a follow-up after Thursday's meeting.

            Thanks, all. This has been the most useful comment section I've read in a long time, which is not something I often get to say.
            """),
    ),
}

THREAD_LINK = re.compile(r"\{thread:(\w+)\}")


def seed_demo() -> str:
    """Add the demo categories, members, threads and replies; return a one-line summary."""
    categories = _ensure_categories()
    members = {member[0]: _ensure_member(*member) for member in MEMBERS}
    thread_ids: dict[str, int] = {}
    written: dict[str, Post] = {}
    for spec in (*THREADS, ARTICLE):
        thread_ids[spec["key"]] = _write_thread(spec, categories, members, thread_ids, written)
    post_count = _backdate(thread_ids, members)
    _publish_links(thread_ids, members)
    _revise(members, written)
    return (f"{len(categories)} categories, {len(members)} members, "
            f"{len(thread_ids)} threads, {post_count} posts")


def _ensure_categories() -> dict[str, Category]:
    """The demo categories by slug, creating those the forum does not have yet."""
    with write_transaction() as session:
        slugs = [slug for slug, _, _ in CATEGORIES]
        found = {c.slug: c for c in session.scalars(select(Category).where(Category.slug.in_(slugs)))}
        for position, (slug, name, description) in enumerate(CATEGORIES, start=1):
            if slug not in found:
                found[slug] = Category(slug=slug, name=name, description=description, position=position,
                                       members_only=slug in MEMBERS_ONLY)
                session.add(found[slug])
    return found


def _ensure_member(username: str, full_name: str, name_style: str) -> User:
    """The member with this demo username: the existing one, else a new one with a random password."""
    existing = db.session.scalar(select(User).where(User.username == username))
    if existing is not None:
        return existing
    email = f"{username.replace('_', '.')}@example.com"
    account = accounts.NewAccount(username, full_name, email, secrets.token_urlsafe(16), name_style)
    return accounts.register(account)


def _write_thread(spec: dict, categories: dict, members: dict, thread_ids: dict, written: dict) -> int:
    """Start one demo thread and add its replies, in order, noting keyed posts in `written`; return its id."""
    body = THREAD_LINK.sub(lambda link: f"/t/{thread_ids[link.group(1)]}", _prose(spec["body"]))
    thread = threads.start_thread(members[spec["author"]], categories[spec["category"]], spec["title"], body)
    written[spec["key"]] = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    for reply in map(_as_reply, spec["replies"]):
        answered = reply.to or (reply.quote and reply.quote[0])
        post = posts.add_reply(thread, members[reply.author], _reply_body(reply, written),
                               parent_id=written[answered].id if answered else None)
        if reply.key:
            written[reply.key] = post
    return thread.id


def _as_reply(entry: tuple) -> Reply:
    """A reply as written in a thread's data: a Reply, or a plain (author, body) pair."""
    return Reply(*entry)


def _reply_body(reply: Reply, written: dict[str, Post]) -> str:
    """The reply's Markdown: the quote, built from the quoted post as the Quote button does, then the text."""
    if reply.quote is None:
        return _prose(reply.body)
    key, excerpt = reply.quote
    quoted = written[key]
    return quote_markdown(quoted, _excerpt(quoted.body, excerpt)) + _prose(reply.body)


def _excerpt(body: str, excerpt: str | None) -> str | None:
    """The quoted part of a body: None for all of it, "…end" for its start through `end`, else the text."""
    if excerpt is None:
        return None
    text = excerpt.removeprefix("…")
    if text not in body:
        raise ValueError(f"the quoted post does not say {text!r}")
    return body[:body.index(text) + len(text)] if excerpt.startswith("…") else text


def _prose(text: str) -> str:
    """A body as written in this file, without the indentation of the source code."""
    return textwrap.dedent(text).strip()


def _backdate(thread_ids: dict[str, int], members: dict[str, User]) -> int:
    """Spread the demo threads, posts and members over the past years; return how many posts."""
    now = utcnow().replace(microsecond=0)
    specs = {spec["key"]: spec for spec in (*THREADS, ARTICLE)}
    first_posts: dict[int, datetime] = {}
    post_count = 0
    with write_transaction() as session:
        for key, thread_id in thread_ids.items():
            rows = session.execute(
                select(Post.id, Post.author_id).where(Post.thread_id == thread_id).order_by(Post.id)
            ).all()
            times = _post_times(now, specs[key], len(rows))
            post_count += len(rows)
            session.execute(update(Post), [{"id": row.id, "created_at": t} for row, t in zip(rows, times)])
            session.execute(
                update(Thread).where(Thread.id == thread_id).values(created_at=times[0], last_post_at=times[-1])
            )
            for row, time in zip(rows, times):
                first_posts[row.author_id] = min(time, first_posts.get(row.author_id, time))
        _backdate_members(session, members, first_posts)
    return post_count


def _post_times(now: datetime, spec: dict, count: int) -> list[datetime]:
    """When each of a thread's `count` posts was written: strictly increasing, the last at the span's end."""
    start = (now - timedelta(days=spec["days_ago"])).replace(microsecond=0)
    span_seconds = int(spec["span_hours"] * 3600)
    gaps = [REPLY_RHYTHM[i % len(REPLY_RHYTHM)] for i in range(count - 1)]
    total = sum(gaps)
    times, elapsed = [start], 0
    for gap in gaps:
        elapsed += gap
        times.append(start + timedelta(seconds=span_seconds * elapsed // total))
    return times


def _backdate_members(session, members: dict[str, User], first_posts: dict[int, datetime]):
    """Have each demo member join a few days to a few weeks before their first post (the newcomer, hours)."""
    for index, user in enumerate(members.values()):
        member = session.get(User, user.id)
        if member.id in first_posts:
            lead = timedelta(days=1 + (index * 7) % 30, hours=(index * 5) % 24)
            if member.username == NEWCOMER:
                lead = timedelta(hours=3)
            member.created_at = min(member.created_at, first_posts[member.id] - lead)


def _publish_links(thread_ids: dict[str, int], members: dict[str, User]):
    """Show the links in the demo posts of members established by now (when written, all were new)."""
    established = [member.id for member in members.values() if links_allowed_for(member)]
    with write_transaction() as session:
        published = session.scalars(select(Post).where(
            Post.thread_id.in_(list(thread_ids.values())), Post.author_id.in_(established),
            Post.links_allowed.is_(False),
        )).all()
        for post in published:
            post.links_allowed = True
        hidden = [post for post in published if HIDDEN_LINK in post.body_html]
    posts.rerender(hidden)


def _revise(members: dict[str, User], written: dict[str, Post]):
    """Make the demo's later changes, each by the post's author: edits, then deletions."""
    for spec in (*THREADS, ARTICLE):
        for reply in map(_as_reply, spec["replies"]):
            if reply.edit:
                _edit(written[reply.key], members[reply.author], _prose(reply.edit))
            if reply.deleted:
                posts.delete_post(written[reply.key], members[reply.author])


def _edit(post: Post, author: User, addition: str):
    """Add a paragraph to a post, as its author would a little after the edit grace period."""
    posts.edit_post(post, author, f"{post.body}\n\n{addition}", post.version)
    grace = timedelta(seconds=current_app.config["EDIT_GRACE_SECONDS"])
    with write_transaction() as session:
        edited = session.get(Post, post.id)
        if edited.edited_at is not None:  # dated soon after the grace period, not today
            edited.edited_at = min(edited.edited_at, edited.created_at + grace + timedelta(minutes=12))
