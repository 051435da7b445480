"""Labels and the word lists the synthetic data is made from."""

# Output order of the model = ../shared/data/ml-kws/labels.txt (ARM ML-KWS / Speech Commands).
LABELS = ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
KEYWORDS = LABELS[2:]

# Non-keywords for _unknown_: the other Speech Commands words, words that sound like a keyword
# (the hard negatives), and everyday words. Never a homophone of a keyword (know = no, write = right):
# that would teach the model to call the keyword itself _unknown_.
UNKNOWN_WORDS = sorted(set("""
bed bird cat dog eight five four happy house marvin nine one seven sheila six three tree two wow zero
backward forward follow learn visual
yeah yet yell yellow yesterday guess less mess
now nose note snow north noon new
cup pup upon app hope oops
town brown gown sound dawn done dune
lift laughed leaf theft lest loft lend
light bright rice ride white wrote
in an own one honor
of cough often awful offer
top shop spot stock step stab
goal gold ago though show grow girl good
hello computer music play pause next back open close water table morning evening please thank
maybe sorry weather window kitchen garden paper number orange purple green blue red black money
little big small sister brother mother father apple banana coffee monday friday seventeen twenty
hundred button camera yesterday tomorrow minute later listen start begin finish turn volume
""".split()))
