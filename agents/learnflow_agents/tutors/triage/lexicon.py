"""The weighted wording features, one table per intent.

Patterns are matched against the canonical text from `normalize` (lowercase, no accents or
apostrophes, slang and contractions expanded, single spaces, padded), so "what's" is written
"what is" and "pls halp" arrives as "please help". Each feature counts once per query however
often it occurs, so a long rant does not outvote a precise short request.

Weights, roughly: 4-5 an explicit request for that tutor ("quiz me", "my progress"),
3-3.5 a strong cue ("explain", "crashes"), 1.5-2.5 a hint, < 1 a topic word.
"""

import re
from dataclasses import dataclass

from learnflow_agents.contracts.topics import AgentName

CONCEPTS = AgentName.CONCEPTS.value
REVIEW = AgentName.CODE_REVIEW.value
DEBUG = AgentName.DEBUG.value
EXERCISE = AgentName.EXERCISE.value
PROGRESS = AgentName.PROGRESS.value
INTENTS: tuple[str, ...] = (CONCEPTS, REVIEW, DEBUG, EXERCISE, PROGRESS)
# Group of the lowercase error names ("key error"); the scorer skips it when the structural
# signal already counted the same name written as CPython spells it ("KeyError").
NAMED_ERROR = "named-error"


@dataclass(frozen=True)
class Feature:
    intent: str
    weight: float
    label: str
    pattern: re.Pattern[str]
    # None: always; True: only when code is attached; False: only when no code is attached.
    needs_code: bool | None = None
    # Features sharing a group are one cue spelled several ways: only the strongest counts.
    group: str | None = None


def _compile(alternatives: str) -> re.Pattern[str]:
    # Anchoring on the padding spaces makes every alternative match whole words only. The
    # leading space is consumed rather than looked behind for: a literal first character lets
    # the regex engine skip ahead, about 3x faster on long texts.
    return re.compile(rf" (?:{alternatives})(?= )")


Row = tuple[float, str, str] | tuple[float, str, str, bool | None] | tuple[float, str, str, bool | None, str]


def _table(intent: str, rows: list[Row]) -> list[Feature]:
    return [Feature(intent, row[0], row[1], _compile(row[2]), *row[3:]) for row in rows]


FEATURES: list[Feature] = [
    *_table(
        DEBUG,
        [
            (2.5, "'error'", r"errors?|err|erro|erreur|fehler|exception occurred|exception has occurred"),
            (
                3.5,
                "a named error",
                r"(?:syntax|indentation|name|type|value|key|index|attribute|import|"
                r"recursion|zero ?division|runtime|tab|unbound ?local|module not found) ?error",
                None,
                NAMED_ERROR,
            ),
            (3.0, "'traceback'", r"traceback"),
            (3.5, "'crash'", r"crash|crashes|crashed|crashing|blows up|blew up"),
            (3.0, "'bug'", r"bug|bugs|buggy|debug|debugging"),
            (3.0, "'broken'", r"broken|broke|breaks"),
            (
                3.5,
                "'doesn't work'",
                r"(?:does|do|is|are|will|did) not (?:work|working|run|running|compile|load)"
                r"|not working|stopped working|no funciona|nao funciona|funktioniert nicht|marche pas"
                r"|ne fonctionne pas|dont work|doesnt work",
            ),
            (3.0, "'fix'", r"fix|fixed|fixing|repair|solve this error"),
            (
                3.0,
                "'wrong output'",
                r"wrong (?:answer|output|result|value|number|thing)s?"
                r"|(?:output|result|answer) is wrong|gives? (?:me )?(?:the )?wrong|prints? (?:the )?wrong",
            ),
            (
                3.5,
                "'what's wrong'",
                r"what is wrong|what did i do wrong|something (?:is )?wrong|went wrong"
                r"|whats wrong|wrong with (?:my|this|it)(?! style)",
            ),
            (3.0, "'fails'", r"fails|failing|failed|fail"),
            # "stuck on recursion" is confusion, not a hung cell, so only a stuck program counts.
            (
                3.0,
                "'hangs'",
                r"hangs|hanging|(?:is|gets|got|keeps getting) stuck|stuck in|freezes|frozen"
                r"|never (?:finishes|finish|ends|end|stops|stop|terminates)",
            ),
            (3.0, "'runs forever'", r"runs? forever|forever|infinite|infinitely|never ends|endless"),
            (4.0, "'kernel died'", r"kernel (?:died|dies|crashed|restarting|restarted)|dead kernel"),
            (2.5, "'returns None'", r"(?:returns|returning|returned|becomes|gives|prints|is|get|gets) none"),
            (
                3.0,
                "'prints nothing'",
                r"not printing|prints nothing|no output|nothing (?:happens|prints|shows)"
                r"|does not print",
            ),
            (1.5, "'it says'", r"it says|says|said|shows"),
            (1.5, "'I get'", r"i (?:get|got|keep getting|am getting|keep|getting)|getting"),
            (2.5, "'throws'", r"throws|thrown|throwing|raises|raised"),
            (
                3.0,
                "'why does my code'",
                r"why (?:is|does|do|did|will|are|wont|will not) (?:not )?(?:it|this|my (?:code|program"
                r"|function|loop|output|script|list|dict|variable|cell|answer|result|class))",
            ),
            (1.5, "'what's going on'", r"what is going on|what is happening|why is this happening"),
            (1.5, "'help'", r"help|please help|sos"),
            (
                3.0,
                "'invalid syntax'",
                r"invalid syntax|unexpected indent|syntaxerror|expected|sintaxe|sintaxis",
            ),
            (2.0, "'won't compile'", r"compile|compiles|compiling"),
        ],
    ),
    *_table(
        REVIEW,
        [
            (
                4.0,
                "'review my code'",
                r"review (?:my |this |the |of )?(?:code|solution|function|homework|program"
                r"|script|work|class)|review (?:this|it|please)|code review|revisar|revisa|relire|uberprufen"
                r"|ueberpruefen|uberprufe",
                None,
                "review",
            ),
            # Without code, "review" is as likely to mean revising topics ("what should I review").
            (4.0, "'review' (with code)", r"review|reviews|reviewing|revise", True, "review"),
            (3.5, "'improve'", r"improve|improvements?|improving|mejorar|melhorar|ameliorer|verbessern"),
            (
                3.5,
                "'better'",
                r"better way|(?:write|do|make) (?:this|it|my code|this code) better|be better"
                r"|be (?:written|done) better|code better|(?:written|write) better",
            ),
            (4.0, "'pythonic'", r"pythonic|idiomatic"),
            (3.0, "'rate my code'", r"rate (?:this|my|it)|rate"),
            (3.5, "'feedback'", r"feedback|critique|criticism|opinion|thoughts|what do you think"),
            (
                3.0,
                "'clean / messy'",
                r"clean|cleaner|cleanup|tidy|messy|ugly|elegant|readable|readability"
                r"|bien ecrit|bien escrito",
            ),
            (2.5, "'like a pro'", r"pro write|professional|senior"),
            (3.0, "'simplify'", r"shorter|simplify|simpler|shorten|concise|compact"),
            (2.5, "'tips'", r"tips|suggestions?|advice"),
            (
                3.0,
                "'faster / efficient'",
                r"efficient|efficiency|faster|optimi[sz]e|optimi[sz]ation|speed up",
                True,
            ),
            (3.0, "'style'", r"pep ?8|style|conventions?|naming|names ok|variable names"),
            (3.5, "'refactor'", r"refactor|refactoring|rewrite|redo|polish"),
            (
                3.0,
                "'right way'",
                r"right way|correct way|proper way|best way|best practices?|bad practice"
                r"|good practice",
            ),
            (
                3.5,
                "'is this good'",
                r"did i do (?:this|it) right|is (?:this|it|my code|this code|my solution) "
                r"(?:ok|okay|good|fine|correct|right|alright|bad|clean|efficient|readable)|is this good",
            ),
            (
                3.5,
                "'check my code'",
                r"check (?:my|this|the) (?:code|solution|work|style|homework|function)"
                r"|check (?:this|it)|look over|look at my code|go over",
            ),
            (2.0, "'my code / my solution'", r"here is my (?:code|solution)|my solution|my code"),
            (3.0, "'how did I do' (with code)", r"how did i do|how is this", True),
            (2.0, "'instead?' (with code)", r"instead|should i use|bad|change", True),
            (2.0, "'before I submit'", r"submit|hand in|turn in"),
        ],
    ),
    *_table(
        CONCEPTS,
        [
            (3.0, "'explain'", r"explain|explanation|explica|explique|explicar|erklar|erklaren|erklare"),
            (2.5, "'what is'", r"what (?:is|are)(?! (?:my|wrong|going|happening|next) )|what even is"),
            (2.5, "'what does X mean/do'", r"what does .{1,40} (?:mean|do|does)|meaning of|means"),
            (3.0, "'define'", r"define|definition"),
            (2.5, "'why does'", r"why (?:does|do|is|are|would|should|can|can not)(?! (?:my|it|this|i|not) )"),
            (
                3.0,
                "'how does it work'",
                r"how (?:does|do|is) .{1,40} work|works|under the hood|in memory"
                r"|behind the scenes",
            ),
            (
                3.0,
                "'difference between'",
                r"difference|differences|differ|versus|compared? to(?! last)"
                r"|comparison",
            ),
            (3.0, "'tell me about'", r"tell me about|teach me|help me understand|learn about"),
            (
                2.5,
                "'I don't get it'",
                r"(?:do not|did not) (?:get|understand)|confused|confuses|confusing"
                r"|no idea (?:how|why|what)|lost on|understand",
            ),
            (
                2.5,
                "'when to use'",
                r"when (?:should|do|would|to|can) (?:i |you |we )?use|when to use"
                r"|should i use",
            ),
            (2.5, "'what is it for'", r"point of|purpose of|use of|used for|what for|why use|for what"),
            (
                2.0,
                "'how to'",
                r"how (?:do|can|would|should) (?:i|you|we) (?:use|write|make|create|open|read|do"
                r"|declare|define|call|loop)|how to",
            ),
            (3.0, "'is X faster than'", r"(?:is|are) \w+ (?:faster|slower|better|worse|more efficient) than"),
            (
                3.0,
                "'what is' (es/fr/de/pt)",
                r"que es|que son|cest quoi|quest ce|was ist|was sind|o que e"
                r"|o que sao|como funciona|wie funktioniert|comment fonctionne|para que sirve",
            ),
            (
                2.0,
                "'is a X mutable'",
                r"(?:is|are) (?:an? )?\w+ (?:mutable|immutable|hashable|iterable|ordered)",
            ),
        ],
    ),
    *_table(
        EXERCISE,
        [
            (
                4.0,
                "'exercise'",
                r"exercises?|ejercicios?|exercices?|exercicios?|ubung|ubungen|uebung|aufgaben?",
            ),
            (
                3.5,
                "'practice'",
                r"(?<!bad )(?<!good )(?<!best )practice|practicing|practicar|praticar|pratiquer"
                r"|uben|practica",
            ),
            (4.0, "'quiz me'", r"quiz|quiz me"),
            (4.0, "'challenge'", r"challenge|challenges|challenge me|reto|retos|desafio|defi|defis"),
            (
                3.5,
                "'a problem to solve'",
                # A bare "problem" is how students report trouble ("I have a problem with my
                # loop"), so only a problem someone is to set or solve counts here.
                r"problems? to (?:solve|practi[cs]e|work on)|practice problems?|problem set"
                r"|(?:give|set|send|make) me (?:a|an|some|another|\d+) (?:\w+ )?problems?"
                r"|(?:a|an|some|another|more|few|couple of|\d+) (?:new |more |harder |easier )?"
                r"problems? (?:about|to practi[cs]e)"
                r"|(?:a|an|some|another|more|few|couple of|\d+) (?:\w+ )?(?:questions?|tasks?)",
            ),
            (
                1.5,
                "'give me a'",
                r"give me (?:a|an|some|another|more|\d+)|can i (?:get|have) (?:a|an|some|another|more)"
                r"|i want (?:a|an|some)|i would like (?:a|an|some)|dame un|donne moi|gib mir|me da",
            ),
            (
                3.5,
                "'test me'",
                r"test (?:me|myself|my understanding)|check if i (?:understand|get)"
                r"|to check if i",
            ),
            (3.5, "'drills / puzzles'", r"drills?|katas?|puzzles?|warmup|warm up"),
            (3.0, "'a project'", r"project|projects|project idea"),
            (4.0, "'leetcode'", r"leetcode|hackerrank|codewars|advent of code"),
            (
                3.5,
                "'another one'",
                r"(?:harder|easier|another|next|more) (?:one|ones|exercise|problem|question"
                r"|challenge)s?|like the last one",
            ),
            (
                3.0,
                "'something to work on'",
                r"something to (?:work on|practice|do|solve|try)"
                r"|give me something",
            ),
            (3.5, "'train me'", r"train me|drill me|assign me|make me practice"),
        ],
    ),
    *_table(
        PROGRESS,
        [
            (
                4.5,
                "'my progress'",
                r"progress|progres|progreso|progresso|fortschritt|fortschritte"
                r"|avancement",
            ),
            (
                4.5,
                "'how am I doing'",
                r"how am i (?:doing|going)|how i am doing|how is it going for me"
                r"|como voy|como estou|ou en suis je|wie stehe ich",
            ),
            (3.5, "'how did I do' (no code)", r"how did i do", False),
            (
                4.0,
                "'what should I learn next'",
                r"what should i (?:learn|study|do|focus on|work on|practice"
                r"|revise|review|tackle)|(?:learn|study|do|focus on|work on) next"
                r"|next (?:topic|step|steps|lesson|module|chapter)|what is next|whats next",
            ),
            (
                4.0,
                "'my scores'",
                r"my (?:scores?|grades?|stats|statistics|results|marks|level|mastery|streak"
                r"|strengths|weaknesses|weak spots|weak points|learning|history|report|knowledge)",
            ),
            (2.5, "'what is my'", r"what (?:is|are) my"),
            (
                3.0,
                "'scores / mastery'",
                r"score|scores|grades?|mastery|mastered|streak|stats|completion|dashboard"
                r"|roadmap|learning path|weak spots?|weakest|weak points?|strengths|weaknesses|strong points",
            ),
            (
                4.0,
                "'have I completed'",
                r"have i (?:completed|done|finished|mastered|covered|learned|passed"
                r"|improved|not started|started)|how many .{1,30} have i",
            ),
            (
                4.5,
                "'am I ready'",
                r"am i (?:ready|on track|improving|getting better|good enough|a beginner"
                r"|an intermediate|intermediate|behind|ahead)",
            ),
            (4.0, "'where do I stand'", r"where (?:am i|do i stand|i am at)|where i stand"),
            (
                3.5,
                "'which topics'",
                r"(?:what|which) (?:topics?|concepts?|areas?|things?|errors?|mistakes?) "
                r"(?:have i|do i|should i|am i|i)",
            ),
            (3.0, "'struggling'", r"struggling|struggle|struggles"),
            (3.5, "'what am I bad at'", r"what am i (?:bad|good|worst|best) at|worst at|bad at|good at"),
            (2.5, "'report'", r"report|overview|summary|recap"),
            (1.5, "'so far'", r"so far|this week|last week|compared to last|lately"),
            (3.0, "'mistakes I make'", r"do i make|i make the most|most often|(?:got|get) wrong"),
            (2.5, "'revisit'", r"revisit|catch up|brush up|need to (?:review|revise|revisit|work on)"),
            (
                4.0,
                "'did I pass'",
                r"did i pass|have i passed|how close am i|how far am i|how much (?:of the"
                r" course|have i)|(?:last|my) (?:quiz|test|exam|exercise)(?: result| score)?",
            ),
            (3.5, "'learned enough'", r"learned enough|know enough|learnt enough"),
            (3.0, "'recommend what'", r"recommend (?:me )?what|what to learn|recommendations?"),
        ],
    ),
]

# Topic words: alone ("loops?", "recursion") they mean "teach me this"; next to a request
# they only name its subject, hence the small weight and the cap in the scorer.
TOPIC_WORDS = _compile(
    r"lists?|tuples?|dicts?|dictionary|dictionaries|sets?|loops?|for loops?|while loops?|recursion"
    r"|recursive|lambdas?|functions?|class|classes|objects?|variables?|strings?|f ?strings?|slicing|slices?"
    r"|comprehensions?|generators?|iterators?|decorators?|inheritance|polymorphism|scope|global|globals"
    r"|mutability|mutable|immutable|immutability|references?|exceptions?|try except|assert|range|enumerate"
    r"|yield|import|modules?|self|init|dunder|big o|boolean|booleans|args|kwargs|indentation|none"
    r"|return|break|continue|append|extend|operators?|hash ?maps?|map|filter|zip|sorting|sort|sorted"
    r"|files?|oop|integers?|floats?|types?|methods?|arguments?|parameters?|conditionals?|if statements?"
    r"|listas?|tuplas?|fonctions?|funciones|funcoes|schleifen?|boucles?|bucles?|klassen?"
)
TOPIC_WEIGHT = 0.8
TOPIC_CAP = 1.6

# Requests joined by these are separate asks; the first one mentioned is the primary.
CONJUNCTION = re.compile(r" (?:and|then|also|plus|after that|and then|y|et|und|e) ")
