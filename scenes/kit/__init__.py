"""The drawing kit the topic scenes share (manim's ``mobject/`` to their scenes):

    settings   LectureScene and ToyModelScene: typed settings, titles, beats, notes
    cloud      rasterised point clouds and the camera that paints them
    widgets    the time bar, counters, trails, snapshot strips, the cloud layout
    digits     a grid of MNIST digits as one image
    playback   recorded states played frame by frame; trajectories from the cache
    strings    every on-screen word, in every language
    theme      colours, the font, the right edge
    latex      the LaTeX check

A topic scene imports what it needs from these modules; nothing here imports a topic.
"""
