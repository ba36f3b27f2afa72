# PlatformIO pre-script shared by firmware/esp32 and firmware/esp8266: builds
# the portable core (firmware/board) and libsync's codec and proto from this repository
# into the sketch, and puts their headers on the include path.  Documented in
# https://docs.platformio.org/en/latest/scripting/examples/external_sources.html
import os

Import("env")

repo = os.path.normpath(os.path.join(env.subst("$PROJECT_DIR"), "..", ".."))
env.Append(CPPPATH=[repo, os.path.join(repo, "libsync")])
env.BuildSources(os.path.join("$BUILD_DIR", "lansync_board"), os.path.join(repo, "firmware", "board"))
env.BuildSources(os.path.join("$BUILD_DIR", "lansync_codec"), os.path.join(repo, "libsync", "codec"))
env.BuildSources(os.path.join("$BUILD_DIR", "lansync_proto"), os.path.join(repo, "libsync", "proto"))
