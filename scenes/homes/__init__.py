"""The scenes' homes: one module per scene, named as its class's module in scenes/, each
with a ``HOME`` (scenes.home.SceneSpec). scenes.registry finds them here."""
