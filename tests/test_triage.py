"""Red-flag table: positives, negated versions and look-alikes, checked through the public API."""

import pytest

D, PE, R, AC = "possible_dvt", "possible_pulmonary_embolism", "possible_rupture_or_tear", "acute_compartment"

CASES = [
    # possible DVT: signs
    ("my calf is swollen, red and warm to the touch and it hurts to walk", {D}, "urgent"),
    ("left calf visibly bigger than the right one and it aches, no injury", {D}, "urgent"),
    ("the calf feels hot and looks red, been sore for 3 days", {D}, "urgent"),
    ("thought it was a cramp but my calf is still painful and swollen 4 days later, nothing happened", {D}, "urgent"),
    ("my lower leg is puffy and the sock leaves a deep mark on that side only, calf aches", {D}, "urgent"),
    ("calf sore and the veins look more prominent on that leg", {D}, "urgent"),
    ("my calf is bigger than the other one and throbs", {D}, "urgent"),
    ("calf pain and the skin is red", {D}, "urgent"),
    # possible DVT: risk context
    ("calf has been aching since I got off a 12 hour flight", {D}, "urgent"),
    ("after a long car journey my calf feels tight and sore", {D}, "urgent"),
    ("calf pain two weeks after knee surgery", {D}, "urgent"),
    ("just out of a plaster cast and my calf hurts", {D}, "urgent"),
    ("I'm pregnant and my calf has become sore", {D}, "urgent"),
    ("on the pill and my right calf aches for no reason", {D}, "urgent"),
    ("had a DVT two years ago and now my calf is aching again", {D}, "urgent"),
    ("calf pain after a week of bed rest with flu", {D}, "urgent"),
    ("drove 9 hours to a race and my calf hurts the next day", {D}, "urgent"),
    ("flew home from a marathon abroad and now my calf is tender", {D}, "urgent"),
    # pulmonary embolism
    ("my calf hurt for days and now I'm short of breath", {PE}, "emergency"),
    ("calf pain and chest pain when I breathe in", {PE}, "emergency"),
    ("leg swollen after surgery and now I'm breathless and my heart is racing", {PE, D}, "emergency"),
    ("calf ached last week, today I coughed up blood", {PE}, "emergency"),
    ("sore calf and I feel breathless sitting down", {PE}, "emergency"),
    ("swollen calf after a flight and sharp pain in my chest", {PE, D}, "emergency"),
    # breathless after a long journey, with no leg named: the swelling may be in a foot, or not noticed at all
    ("drove six hours straight on Sunday, my foot was puffy, now I'm short of breath on the stairs", {PE}, "emergency"),
    ("two weeks after my knee operation I suddenly can't catch my breath", {PE}, "emergency"),
    ("flew back from Boston for the race, out of breath on an easy run", set(), ""),
    ("after my C-section last year I started running again; I'm out of breath on short runs", set(), ""),
    ("The plane was delayed so I missed my long run. Did a short run instead and was breathless.", set(), ""),
    ("I'm pregnant and running gently; I get a bit breathless walking up stairs", set(), ""),
    ("had knee surgery three years ago, now I get breathless on hill repeats", set(), ""),
    ("flew home, then out of breath sitting on the sofa with a racing heart", {PE}, "emergency"),
    # a past clot in the lungs, named in the short form
    ("my DVT and the PEs that followed started as calf tightness", {PE, D}, "emergency"),
    ("I teach PE and my calf has been tight after class", set(), ""),
    # clots named in the plural or by their medical name; a clot in the lungs named without any leg word
    ("turns out I have blood clots in my leg, not a pulled muscle", {D}, "urgent"),
    ("the scan showed a deep vein thrombosis in my calf", {D}, "urgent"),
    ("a year after bilateral pulmonary embolisms I ran my first marathon", {PE}, "emergency"),
    ("huffing on easy runs, then the ER found blood clots in both lungs", {PE}, "emergency"),
    ("they still do not know why a clot formed in my leg veins and then travelled up to my lungs", {PE, D}, "emergency"),
    ("I limbered up after a 12 hour flight", set(), ""),
    ("a fight for life and limb after the flight home", set(), ""),
    # rupture or tear
    ("felt a pop in my calf sprinting and now I can't walk properly", {R}, "urgent"),
    ("it felt like someone kicked me in the back of the calf", {R}, "urgent"),
    ("heard a snap in my achilles and I cannot stand on my toes", {R}, "urgent"),
    ("I can't go up on my toes on that side since it happened", {R}, "urgent"),
    ("calf went with a loud pop going uphill", {R}, "urgent"),
    ("can't put weight on my leg after my calf tore", {R}, "urgent"),
    ("felt something snap in my calf at the track", {R}, "see_doctor"),
    ("felt like I'd been shot in the back of my calf", {R}, "urgent"),
    # acute compartment / nerve and circulation
    ("got kicked in the calf, pain is out of proportion and getting worse", {AC}, "urgent"),
    ("the pain is unbearable and the calf is rock hard", {AC}, "urgent"),
    ("my foot is numb even at rest and the calf is tight", {AC}, "urgent"),
    ("the tightness didn't go away when I stopped running, hours now", {AC}, "urgent"),
    ("my foot looks pale and feels cold after the calf injury", {AC}, "urgent"),
    ("tingling in my foot that won't go away, calf very tight", {AC}, "urgent"),
    ("calf pain that doesn't ease even with rest, and it keeps getting worse", {AC}, "urgent"),
    # negated: nothing raised
    ("calf cramp at night, no swelling, not warm, not red", set(), None),
    ("sharp twinge in my calf during sprints, no pop, no swelling, no redness", set(), None),
    ("my calf isn't swollen or hot, just sore after hills", set(), None),
    ("no chest pain, no shortness of breath, just a tight calf after hill reps", set(), None),
    ("didn't hear a pop, I can walk fine, the calf is sore after intervals", set(), None),
    ("there's no numbness and my foot isn't cold, calves just tight", set(), None),
    ("calf cramped near the end of the marathon, not swollen afterwards and no redness", set(), None),
    ("never had a clot, calf strain from speedwork", set(), None),
    # look-alikes: nothing raised
    ("ordinary cramp in my calf at mile 20, it let go after a minute of stretching", set(), None),
    ("calf strain with a little bruising after a sprint, sore to walk", set(), None),
    ("it was a hot day and my calf cramped late in the race", set(), None),
    ("I forgot to warm up and felt a twinge in my calf", set(), None),
    ("calves get tight 10 minutes into every run and it goes when I stop", set(), None),
    ("achilles stiff in the morning and sore when pushing off", set(), None),
    ("the weather was warm and my calf felt tight on the long run", set(), None),
    ("my calf is sore after hill repeats, better once I'm warm", set(), None),
    ("out of breath on the hills but my legs feel fine", set(), None),
    ("new shoes, calves a bit tight after my first run in them", set(), None),
    ("my calf felt tired at the end of a long run", set(), None),
    ("I had a hot bath after my run and my calf cramped", set(), None),
    ("calves sore after a hilly trail race", set(), None),
    ("calf tight after the long run, the hotel room was really warm", set(), None),
    ("the blister on my toe popped", set(), None),
    ("red shoes, warm socks, and calf tightness after tempo runs", set(), None),
    # idioms that read like a red flag word by word (found by held-out posts f007 and f023)
    ("a sharp pain shot through the muscle at the back of my leg on the last km", set(), None),
    ("the back of my lower leg gets tense and won't settle until I stop, then fades", set(), None),
]


def test_table_is_large_enough():
    assert len(CASES) >= 60


# Review of 2026-12-04: the writer's own clot is never taken for someone else's; lay risks and symptoms; look-alikes
# that raised urgent or emergency flags on ordinary running sentences.
CASES += [
    ("My partner drove me to A&E and they found a clot in my calf.", {D}, "urgent"),
    ("My friend who is a doctor says my calf pain is a clot.", {D}, "urgent"),
    ("My boyfriend is worried my calf pain is a blood clot.", {D}, "urgent"),
    ("My coach thinks the pain in my calf is a DVT.", {D}, "urgent"),
    ("My mum took me to A&E and they found a clot in my calf.", {D}, "urgent"),
    ("Since the flight home my calf is killing me.", {D}, "urgent"),
    ("I had knee surgery on Monday and now my calf aches.", {D}, "urgent"),
    ("My foot suddenly went cold and pale and I can't feel my toes", {"limb_ischaemia", AC}, "emergency"),
    ("cut on my shin has gone red and angry and I have a high temp", {"infection"}, "urgent"),
    ("my husband had a clot last year, my calf is fine", set(), ""),
    ("I had Achilles surgery five years ago and my calf is tight after runs.", set(), ""),
    ("My legs felt dead and my feet were cold at the end of the long run", set(), ""),
    ("Went exploring new trails and my calf is a bit sore", set(), ""),
    ("legs were warm from the warm-up and I was shivering at the start line", set(), ""),
    ("I was pregnant two years ago and now my calf hurts", set(), ""),
    ("I work in the hospital and my calves ache after shifts", set(), ""),
]


@pytest.mark.parametrize("text, flags, level", CASES, ids=[c[0][:40] for c in CASES])
def test_triage_red_flags(model, text, flags, level):
    p = model.classify(text)
    assert {f["id"] for f in p.red_flags} == flags
    if level:
        assert p.triage == level
    else:
        assert p.triage in ("self_care", "see_doctor")
    for f in p.red_flags:
        assert f["reason"]


def test_triage_only_raises_the_level(model):
    p = model.classify("both calves get tight with pressure 10 minutes into every run and it goes when I stop")
    assert p.label == "compartment_syndrome" and p.triage == "see_doctor"


def test_triage_long_lasting_pain_nudges_to_see_doctor(model):
    p = model.classify("my calf cramps at night and it keeps coming back for months")
    assert p.label == "muscle_cramp"
    assert p.triage == "see_doctor" and "doctor" in p.reason


# a pain that lasts or keeps returning, in the words runners use: see a doctor or physio; look-alikes do not
LASTING = [
    ("my achilles tendons have hurt every day for more than four months", True),
    ("I've had this calf pain for over a year", True),
    ("my sore achilles gets better with rest, but every time I resume training the symptoms return", True),
    ("my calf cramps and the pain always comes back on long runs", True),
    ("daily calf spasms that grew progressively worse", True),
    ("I pulled my calf sprinting, exactly the same injury I suffered in March", True),
    ("my calf was sore for a day after the race, I came back to running on Friday", False),
    ("tight achilles after a hill session yesterday, it feels fine now", False),
    ("I came back to training after a week off and my calf is a bit sore", False),
    ("physio and orthotics since December and the calf pain doesn't seem to go away", True),
    ("a familiar pain in my calf at mile 4, since this keeps plaguing me I want to fix it", True),
    ("the cramp went away after a minute of stretching", False),
]


@pytest.mark.parametrize("text, lasting", LASTING, ids=[c[0][:40] for c in LASTING])
def test_pain_that_lasts_or_returns_is_seen_by_a_doctor(model, text, lasting):
    p = model.classify(text)
    assert not p.red_flags
    assert (p.triage == "see_doctor") == lasting
    assert ("lasted weeks or keeps coming back" in p.reason) == lasting


# Issue "Safety on real stories": sentences that the old 5-word negation window hid, each a positive.
NEGATION_CANNOT_HIDE = [
    ("my calf hurts and I can't breathe properly", PE),
    ("my calf aches and I couldn't catch my breath on the stairs", PE),
    ("not sure why my calf is red and swollen", D),
    ("never had calf pain before, now it's swollen and warm", D),
    ("I do not know why my calf is warm to the touch", D),
    ("I didnt know why my calf was warm to the touch", D),
    ("the doctors did not know why a clot had formed in my calf", D),
    ("That night, I woke up in excruciating pain, and my entire left leg throbbing and swollen. I struggled to get "
     "down the stairs. I thought it was a calf injury but was confused because I hadn't felt any pain during the run.", D),
]


@pytest.mark.parametrize("text, flag", NEGATION_CANNOT_HIDE, ids=[c[0][:40] for c in NEGATION_CANNOT_HIDE])
def test_negation_cues_that_belong_to_a_finding_do_not_hide_it(model, text, flag):
    p = model.classify(text)
    assert flag in {f["id"] for f in p.red_flags}, p.red_flags
    assert p.triage == ("emergency" if flag == PE else "urgent")


def test_a_negated_finding_stays_negated(model):
    p = model.classify("calf is sore after the race but it's not swollen, not red and I can breathe fine")
    assert not p.red_flags


def test_a_red_flag_quotes_the_words_that_raised_it(model):
    text = "My right calf is twice the size of the left and it throbs"
    flag = next(f for f in model.classify(text).red_flags if f["id"] == D)
    assert "twice the size" in flag["reason"]
    assert any(text[e["start"]:e["end"]] == e["text"] == "twice the size" for e in flag["evidence"])


# 60 cases written by a helper who read real clot stories (corpus/real/dev.jsonl) but not the rules:
# clot and PE positives told the way people tell them, and their negated and look-alike twins.
import json  # noqa: E402
from pathlib import Path  # noqa: E402

STORY_CASES = [json.loads(line) for line in
               (Path(__file__).parent / "data" / "red_flag_cases.jsonl").read_text(encoding="utf-8").splitlines()]


def test_story_case_table_has_positives_and_twins():
    kinds = [c["expect"] for c in STORY_CASES]
    assert len(STORY_CASES) >= 40 and kinds.count("none") >= 15 and kinds.count("pe") >= 5


@pytest.mark.parametrize("case", STORY_CASES, ids=[c["text"][:40] for c in STORY_CASES])
def test_clot_stories_told_the_way_people_tell_them(model, case):
    p = model.classify(case["text"])
    ids = {f["id"] for f in p.red_flags}
    clot = bool(ids & {D, PE})
    if case["expect"] == "none":
        assert not clot, p.red_flags
    elif case["expect"] == "pe":
        assert PE in ids and p.triage == "emergency", p.red_flags
    else:
        assert clot and p.triage in ("urgent", "emergency"), p.red_flags


# Found by a cold review of the persistence rules and the pseudo-negations: an emergency that loose
# "benign" words must not hide, a negation opened earlier that must not reach into "can't breathe",
# and look-alikes that must not raise an alarm.
REVIEW_CASES = [
    ("My calf was fine until the flight home, now it's swollen and I'm short of breath", {PE, D}),
    ("my legs felt fine at the start but by mile 5 I was short of breath and my calf hurt", {PE}),
    ("12 hour flight, went in to work and my calf is aching", {D}),
    ("I was released after my knee surgery 3 days ago, now my calf aches", {D}),
    ("My calf doesn't hurt much and I can't breathe on the stairs", {PE}),
    ("calf has no swelling and I can't breathe properly", {PE}),
    ("During PE my calf cramped up", set()),
    ("Took a deep breath and the calf pain eased", set()),
    ("My chest strap died and my calf got tight", set()),
    ("sore for 3 days but it doesn't hurt when I'm resting", set()),
    ("stomach cramps that wouldn't go away", set()),
    ("calf cramp at night, it still released after a minute", set()),
    ("my calf cramp wouldn't go away until I stopped and stretched", set()),
    ("My calf is no longer swollen and it isn't warm anymore", set()),
]


@pytest.mark.parametrize("text, flags", REVIEW_CASES, ids=[c[0][:40] for c in REVIEW_CASES])
def test_review_cases(model, text, flags):
    assert {f["id"] for f in model.classify(text).red_flags} & {D, PE} == flags


# Issue 21: the dangerous look-alikes, each with the words that must NOT raise it (negated and ordinary forms).
# (text, flags expected among the new and raised flags, triage level or "" for "self_care or see_doctor")
INF, ISC, BLUE, PREG, WORSE = ("infection", "limb_ischaemia", "swollen_discoloured_leg", "swollen_calf_in_pregnancy",
                               "worsening_calf_pain")
NEW = {INF, ISC, BLUE, PREG, WORSE, R, D, PE, AC, "possible_stress_fracture"}
LOOKALIKE_CASES = [
    # infection (cellulitis): urgent; with confusion, vomiting, feeling very unwell or faint: emergency
    ("my shin is red and hot and the redness is spreading up towards my knee", {INF, D}, "urgent"),  # red and hot: a clot sign too
    ("the skin on my lower leg is red and warm and I have a fever and chills", {INF, D}, "urgent"),
    ("a scratch on my leg is red and inflamed and I've got the shivers", {INF, D}, "urgent"),
    ("my leg is red and hot, I have a fever and I've been vomiting since this morning", {INF, D}, "emergency"),
    ("the red patch on my calf keeps spreading and I feel very unwell and confused", {INF}, "emergency"),
    ("calf is sore, not red, no fever, no chills", set(), ""),
    ("red shoes, a warm day and a fever of excitement before the race, calf tight", set(), ""),
    ("had a fever last week, calves sore after my first run back", set(), ""),
    ("the tightness is spreading from my calf into my achilles after long runs", set(), ""),
    # acute limb ischaemia: emergency (the older acute_compartment flag, urgent, reads a cold, pale foot too)
    ("my foot is cold and pale and now it's numb, I have artery disease", {ISC, AC}, "emergency"),
    ("two days after my bypass surgery my foot went cold and white", {ISC, AC}, "emergency"),
    ("my lower leg is mottled and cold and my toes are numb and weak", {ISC, AC}, "emergency"),
    ("I have peripheral arterial disease and my foot is pale and cold with pain at night", {ISC, AC}, "emergency"),
    ("my foot looks pale and feels cold after the calf injury", {AC}, "urgent"),  # no numbness, no artery disease
    ("my toes go white and numb in the cold in winter, calves tight", {AC}, None),  # cold weather: not ischaemia
    ("foot not cold, not pale, no numbness, calf a bit tight", set(), ""),
    ("I put my leg in cold water after the run and my calf felt numb for a bit", set(), ""),
    ("the clot in my calf got so painful, and then my leg had turned cold", {ISC, D}, "emergency"),  # a clot blocking flow
    ("my husband had a clot, my feet are cold after my swim", set(), ""),  # someone else's clot; cold water
    # a swollen leg turning blue, grey, purple or mottled: emergency
    ("my whole leg is swollen and has turned a bluish purple colour", {BLUE, D}, "emergency"),
    ("my calf is swollen and the skin looks grey and mottled", {BLUE, D}, "emergency"),
    ("swollen calf with purple bruising after I tore it", set(), ""),
    ("my leg is swollen but not blue or purple", {D}, None),
    ("blue shoes, grey socks, calf swollen a little after a sprain", set(), None),
    # Achilles or calf rupture: urgent (same day)
    ("I felt an explosion behind my ankle like someone kicked me, now my foot is floppy", {R}, "urgent"),
    ("heard a loud popping noise and now I can't push off or stand on my toes", {R}, "urgent"),
    ("it felt like someone threw a rock at the back of my leg and I couldn't walk", {R}, "urgent"),
    ("I think I ruptured my achilles playing squash", {R}, "urgent"),
    ("my calf popped on a hill sprint, sore but I can walk", {R}, "see_doctor"),  # a pop alone: see a doctor soon
    ("felt a pop in my calf and now I can't put weight on it", {R}, "urgent"),  # a pop and not walking: today
    ("felt a pop in my calf and I couldn't even walk off the pitch", {R}, "urgent"),
    ("heard a snap in my calf, tried putting weight on the leg but could not", {R}, "urgent"),
    ("it felt like a bullet had ripped into the back of my calf", {R}, "urgent"),
    ("a pain shot up my calf on the hill, I could walk home fine", set(), None),  # a pain that shoots is not a gunshot
    ("my knee popped a bit on the stairs but my calf is fine", set(), ""),
    ("popped a gel at mile 10, calf tight at the end", set(), ""),
    ("no pop, no snap, I can stand on my toes fine, calf sore after hills", set(), ""),
    # calf pain at rest without injury that keeps getting worse over days or weeks: see a doctor, ask about a clot
    ("no injury but my calf pain keeps getting worse every week", {WORSE}, "see_doctor"),
    ("my calf aches even when resting and it's been getting worse, no injury", {WORSE, D}, "urgent"),
    ("calf strain from sprints, it's getting better every week", set(), ""),
    ("my calf is getting worse since I pulled it at the track", set(), None),
    # lay words for a clot in the lungs beside a sore, swollen calf: emergency
    ("my calf has been sore and warm all week and now there's a stabbing pain in my side every time I breathe in",
     {PE, D}, "emergency"),
    ("calf swollen since the flight and this morning I coughed up phlegm with red streaks in it", {PE, D}, "emergency"),
    ("his calf is bigger than the other one and tonight he can't get his wind even sitting up", {PE, D}, "emergency"),
    ("calf tight after the race and I got a stitch on my long run, breathing hard on the hills", set(), None),
    # a foot gone cold, white or dead, with numbness or after artery treatment: emergency
    ("his foot has gone dead. It's stone cold and white as paper, and he has an irregular heartbeat", {ISC}, "emergency"),
    ("since the angiogram my foot on that side went cold and I can't really feel the floor", {ISC, AC}, "emergency"),
    ("stone cold beer after the race, calves tight", set(), ""),
    # red, hot, spreading skin with a high temperature and vomiting: sepsis, emergency
    ("the back of my leg is red and hot, the redness crept up past my calf, temp 39.6 and I threw up",
     {INF, D}, "emergency"),
    # after a crush, a fracture or a cast, pain out of proportion: acute compartment syndrome, emergency
    ("the bike landed on my calf yesterday, now the painkillers aren't helping and it's way worse than when it happened",
     {AC}, "emergency"),
    ("broke my leg skiing, in a cast since yesterday, it's getting tighter and the pain is unbearable", {AC, D}, "emergency"),
    ("the pain in my calf is unbearable on long runs but goes when I stop, no injury", {AC}, "urgent"),
    # tender bone at one spot, or shin or foot pain at rest: a possible stress fracture, see a doctor
    ("my calves are tight and the shin bone is also quite tender", {"possible_stress_fracture"}, "see_doctor"),
    ("still have pain in my right lower shin, even when at rest", {"possible_stress_fracture"}, "see_doctor"),
    ("pinpoint pain on the top of my foot after the marathon, calf tight", {"possible_stress_fracture"}, "see_doctor"),
    ("my calf is sore after the hills, my shins are fine", set(), ""),
    ("no pain in the bone, just a tight calf after a long run", set(), ""),
    # a long journey told as hours of driving: a clot risk beside a calf symptom
    ("8 hours of driving to the game and the next day my calf cramped up and hurt", {D}, "urgent"),
    ("8 hours of driving to the game, then a great run on Sunday", set(), ""),
    # pregnancy or the weeks after birth with a swollen, painful calf: urgent
    ("I'm 30 weeks pregnant and my left calf is swollen and painful", {PREG, D}, "urgent"),
    ("I had a baby three weeks ago and my calf is swollen and sore", {PREG, D}, "urgent"),
    ("pregnant and my calf cramps at night, no swelling", set(), ""),
    # a risk factor alone raises nothing; with a symptom it does
    ("I'm pregnant and enjoying easy runs", set(), ""),
    ("I went to the hospital to visit my mum, then did a tempo run", set(), ""),
    ("my friend drove me to the hospital after I pulled my calf", set(), None),
    ("I was told I had to have surgery for compartment syndrome", set(), None),
    ("three days in hospital with pneumonia and now my calf aches", {D}, "urgent"),
    # someone else's clot is not the writer's; a family history is a clot risk
    ("my husband had a blood clot last year, my calves are just tight from running", set(), ""),
    ("my friend's DVT scared me, but my calf strain is from sprinting", set(), None),
    ("my mum had a DVT and now my calf is aching for no reason", {D}, "urgent"),
    ("family history of blood clots and my calf has been sore for days", {D}, "urgent"),
    ("I had a clot in my calf last year", {D}, "urgent"),
    # breathing trouble in lay words
    ("my calf was swollen and my breathing was shallow and laboured", {PE, D}, "emergency"),
    ("my calf hurts and I was struggling for breath at rest", {PE}, "emergency"),
]


@pytest.mark.parametrize("text, flags, level", LOOKALIKE_CASES, ids=[c[0][:40] for c in LOOKALIKE_CASES])
def test_dangerous_lookalikes(model, text, flags, level):
    p = model.classify(text)
    assert {f["id"] for f in p.red_flags} & NEW == flags, p.red_flags
    if level:
        assert p.triage == level, p.red_flags
    elif level == "":
        assert p.triage in ("self_care", "see_doctor"), p.red_flags


def test_a_combination_is_quoted_as_a_combination(model):
    flag = next(f for f in model.classify("my calf is swollen and warm after a long flight").red_flags if f["id"] == D)
    assert "“swollen”, “warm” and “after a long flight”" in flag["reason"], flag["reason"]


def test_a_risk_factor_is_quoted_with_its_symptom(model):
    reason = next(f for f in model.classify("since the flight home my calf aches").red_flags if f["id"] == D)["reason"]
    assert "flight" in reason and "aches" in reason


def test_infection_rises_to_emergency_with_its_own_reason(model):
    urgent = next(f for f in model.classify("my shin is red and hot and it is spreading").red_flags if f["id"] == INF)
    emergency = next(f for f in model.classify("my shin is red and hot and it is spreading and I keep vomiting")
                     .red_flags if f["id"] == INF)
    assert urgent["triage"] == "urgent" and "sepsis" not in urgent["reason"]
    assert emergency["triage"] == "emergency" and "sepsis" in emergency["reason"] and "vomiting" in emergency["reason"]


def test_every_flag_has_a_reason_and_a_level():
    from classifier.rules.triage import LEVELS, load_rules

    for flag in load_rules().flags:
        assert flag.reason and flag.triage in LEVELS
        assert not flag.raise_if or (flag.raise_to in LEVELS and flag.raise_reason)


# Review of the second session's rules: everyday running sentences that share words with the emergency vocabulary
# (effort, weather, slang, someone's old injury) raise no urgent or emergency flag, and the dangerous forms still do.
EVERYDAY = [
    "my heart was beating so fast at the end of the 5k and my calf cramped",
    "heart going like the clappers on the hill and then my calf cramped",
    "I get a stitch when I breathe deeply on runs and my calf is tight",
    "sharp pain in my calf when I take a deep breath and stretch",
    "I was panting while sitting on the bench after the sprint, calf cramped",
    "calf tight and I can't get enough air on the hills in this heat",
    "I took a full lungful of air at the start line and my calf twinged",
    "my face was grey at the finish and my calves were cramping",
    "my lips were blue from the cold swim, calves cramping",
    "I was coughing my bloody lungs up after parkrun and my calf is tight",
    "it was ice cold at the start this morning and my calves felt weak on the hills",
    "stone cold sober after the race and my calf is tingling a bit",
    "after a cold plunge my legs were pale and tingly",
    "my leg feels dead after 20 miles and my toes are cold",
    "crushed it at parkrun but now my calf pain is unbearable",
    "I run over 40 miles a week and my calf keeps getting tighter",
    "I broke my ankle years ago and now my calf pain is unbearable on hills",
    "pulled my calf, painkillers aren't helping much",
    "strained my calf at parkrun, ibuprofen isn't helping",
    "felt like I shot up the hill, then my calf tightened",
    "flew down the hill like a bullet and my calf tightened",
    "the tempo run at 38 min pace felt hard, leg a bit warm",
    "legs shaking like a leaf after the race and the blister on my heel is red",
]


# older rules still read a few of them as urgent ("pain is unbearable", "toes are cold", "leg a bit warm"): never
# as an emergency, and never as a clot in the lungs, a blocked artery or an infection
OLDER_URGENT = {EVERYDAY[i] for i in (13, 14, 16, 21)}


@pytest.mark.parametrize("text", EVERYDAY, ids=[t[:40] for t in EVERYDAY])
def test_everyday_running_words_raise_no_urgent_flag(model, text):
    p = model.classify(text)
    assert not {PE, "limb_ischaemia", "infection", "swollen_discoloured_leg"} & {f["id"] for f in p.red_flags}
    assert p.triage in (("self_care", "see_doctor", "urgent") if text in OLDER_URGENT else ("self_care", "see_doctor"))


DANGEROUS_FORMS = [
    ("my foot is cold and white and I can't wiggle my toes", "limb_ischaemia", "emergency"),
    ("my foot went cold and pale and I can't really feel the floor", "limb_ischaemia", "emergency"),
    ("calf is swollen and I can't get a full lungful even sitting still", PE, "emergency"),
    ("my foot is much colder than the other one and numb, calf aching", "limb_ischaemia", "emergency"),
    ("crush injury to my calf yesterday and the painkillers aren't helping at all", AC, "emergency"),
]


@pytest.mark.parametrize("text, flag, level", DANGEROUS_FORMS, ids=[c[0][:40] for c in DANGEROUS_FORMS])
def test_dangerous_forms_of_those_words_still_raise(model, text, flag, level):
    p = model.classify(text)
    assert flag in {f["id"] for f in p.red_flags} and p.triage == level, p.red_flags


# The lay phrases (classifier/data/lay_phrases.toml, written blind by a clinician helper) extend the groups; their
# false friends cancel a match inside them; a phrase holding its own negation is not read as negated.
LAY = [
    ("my calf is swollen and sore and now I'm breathless lying down", PE, "emergency"),
    ("calf has been sore and puffy all week, today I woke up gasping for air", PE, "emergency"),
    ("calf sore since the long-haul trip and now my heart is racing at rest", PE, "emergency"),
    ("I broke my leg playing football last week and it's in a cast. Tonight the pain is unbearable, the painkillers "
     "aren't touching it and it hurts to move my toes.", AC, "emergency"),
    ("Her leg ballooned overnight and the foot is turning blue.", BLUE, "emergency"),
    ("My whole leg is swollen and it has gone a purple colour, like a bruise but I never knocked it.", BLUE, "emergency"),
    ("swollen calf with purple bruising after I tore it", None, None),
    ("my calf was tight at the end of the sprint, out of breath at the end of the sprint", None, None),
    ("calf sore, took my breath away how steep the hill was", None, None),
]


@pytest.mark.parametrize("text, flag, level", LAY, ids=[c[0][:40] for c in LAY])
def test_lay_phrases_and_their_false_friends(model, text, flag, level):
    p = model.classify(text)
    if flag is None:
        assert not {PE, BLUE} & {f["id"] for f in p.red_flags} and p.triage != "emergency"
    else:
        assert flag in {f["id"] for f in p.red_flags} and p.triage == level


def test_lay_phrase_pattern_reads_apostrophes_and_spaces():
    from classifier.rules.triage import lay_pattern

    pat = lay_pattern("can't catch my breath")
    assert pat.search("i cant  catch my breath") and pat.search("i can’t catch my breath")
    assert not pat.search("i can't catch my breathing machine")


# Review of the lay phrases: ordinary posts that share their words stay below an emergency; a false friend only
# cancels its own concept's phrases, never an older pattern's alarm; an injury of years ago or a colour likened to
# a bruise after a knock is not an emergency; a relative's clot in the lung is theirs.
NOT_EMERGENCY = [
    "Resting heart rate up 8 beats this week and my legs feel heavy - I think I'm overtraining before the marathon.",
    "Tempo run at threshold - by the end I can't finish a sentence, which coach says is the point. Calves tight.",
    "Hard as a rock calves after the race. Broke my leg in 2015 but that's fully healed.",
    "Took a knock on the shin playing 5-a-side, now my calf is swollen and purple. Like a bruise, pretty sore.",
    "My dad had a clot in his lung years ago, so I worry. My calves are just sore after a hilly race, no swelling.",
    "Got palpitations from too much coffee before the race, and a calf cramp at mile 20 that let go after I stretched.",
    "Cold weather run, blue toes and numb feet by the end from the cold. Warmed up fine after.",
    "Blood in my mucus from blowing my nose all week with a cold; calf sore after the long run.",
    "Pulled my calf in the race. Ate a curry after and had heartburn and chest pains from indigestion all night.",
    "Night cramp in my calf, woke up and my heart was pounding from the pain. Gone after a minute.",
    "My mum had a blood clot on her lung after surgery in 2010. I've got a slight calf strain from sprinting.",
    "Years ago I had my leg in plaster after a fracture. These days my calf is tight, painkillers not touching it.",
]


@pytest.mark.parametrize("text", NOT_EMERGENCY, ids=[t[:40] for t in NOT_EMERGENCY])
def test_ordinary_posts_sharing_lay_words_are_not_emergencies(model, text):
    assert model.classify(text).triage != "emergency"


@pytest.mark.parametrize("text, flag", [
    ("Calf has been swollen and sore for days. Coughing up phlegm with blood in it, blood pressure is low too.", PE),
    ("Calf has been swollen and sore for days. Last night I passed out on the sofa.", PE),
    ("Broke my leg on Saturday, it's in a cast and tonight my calf feels like its going to burst.", AC),
])
def test_false_friends_never_cancel_a_real_alarm(model, text, flag):
    p = model.classify(text)
    assert flag in {f["id"] for f in p.red_flags} and p.triage == "emergency", p.red_flags


def test_lay_phrase_without_apostrophe_matches_the_usual_spelling():
    from classifier.rules.triage import lay_pattern

    assert lay_pattern("cant move my foot").search("i can't move my foot")
    assert lay_pattern("feels like its going to burst").search("it feels like it’s going to burst")
    assert not lay_pattern("cant move my foot").search("i cantor move my foot")
