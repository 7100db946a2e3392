"""Sound made at run time for the tests, the benchmarks, the demo and the setup tools:
voices (espeak-ng and Piper), talk, noise mixed at one definition of SNR, scenes and one
room model. Nothing here is a recording of a person.

  voices.py    who speaks: the speakers, how a line is said, at what tempo
  talk.py      what they say: lines of talk that hold no phrase
  backdrop.py  noise, babble, a partner, music; mixed under speech at an SNR
  room.py      its own voice as the microphone hears it back
  scene.py     talk with labelled phrases inside, as a WAV
  corpus.py    streams of talk for the benchmarks and the phrase model
"""
