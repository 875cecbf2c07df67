#!/usr/bin/env python3
"""test-atspi.py APP DUMP — Digit Lab's accessible tree as a screen reader sees it, through AT-SPI.

Runs the real app (on the MNIST of $DIGITLAB_DATA, with a private XDG home and settings in memory) and,
through the AT-SPI registry of the session bus it is given (atspi-test.sh runs it under dbus-run-session
and xvfb-run), checks the custom widgets' roles, names, descriptions and states:
  Train     the plots are focusable images named Loss and Accuracy, described "No points yet" before a run
            and with the run's latest and best values after Start and Evaluate (driven through the buttons'
            AT-SPI actions); the arrow keys on a focused plot read out a point ("epoch 0.52, train loss …") in
            its description, Escape gives its summary back; every dropdown's button is named by its label
            and what it shows ("Schedule: Cosine"), not "GtkToggleButton", and a dropdown without a label
            by what it shows, not "GtkDropDown"
  Draw      the canvas: a focusable image with its keys in its description
  Mistakes  the confusion matrix: a focusable image whose description gives the share right; the mistake
            tiles: images named after their test image, its label and the answer; the probabilities' level
            bars: named after their class
  Data      the samples: images named after their training image and label; the label histogram described
            with every digit's share
The whole tree (GTK 4.8 exposes every page, shown or not) is written to DUMP at the end, one line per
object: role, name, description, states.
"""
import os
import subprocess
import sys
import tempfile
import time

import pyatspi

KEY_TAB, KEY_LEFT, KEY_ESCAPE = 0xff09, 0xff51, 0xff1b

APP, DUMP = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)


def walk(obj, depth=0):
    """Yields (depth, accessible) depth first, skipping what went away meanwhile."""
    yield depth, obj
    try:
        children = [obj.getChildAtIndex(i) for i in range(obj.childCount)]
    except Exception:
        return
    for c in children:
        if c is not None:
            yield from walk(c, depth + 1)


def the_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        a = desktop.getChildAtIndex(i)
        if a is not None and a.name == "digitlab":
            return a
    return None


def wait(what, find, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = find()
        except Exception:
            found = None
        if found:
            return found
        time.sleep(0.25)
    check(False, "waited %d s for %s" % (timeout, what))
    return None


def role_and_name(obj):
    """The object's role and name, or None when it went away meanwhile (the Mistakes page rebuilds its
    tiles when an evaluation arrives: AT-SPI then says the application "no longer exists")."""
    try:
        return obj.getRoleName(), obj.name
    except Exception:
        return None


def objects(app, role=None):
    found = []
    for _, o in walk(app):
        rn = role_and_name(o)
        if rn is not None and (role is None or rn[0] == role):
            found.append(o)
    return found


def named(app, role, name):
    return [o for o in objects(app, role) if (role_and_name(o) or (None, None))[1] == name]


def states(obj):
    """The object's states; none when it went away meanwhile."""
    try:
        return {pyatspi.stateToString(x) for x in obj.getState().getStates()}
    except Exception:
        return set()


def press(app, role, name):
    """Does the first action (click) of the first visible, sensitive object with that role and name."""
    for o in named(app, role, name):
        if {"visible", "sensitive"} <= states(o):
            o.queryAction().doAction(0)
            return True
    check(False, "no %s named %r to press" % (role, name))
    return False


def dump(app, title, out):
    out.write("== %s\n" % title)
    for depth, o in walk(app):
        try:
            line = "%s%s %r %r [%s]" % ("  " * depth, o.getRoleName(), o.name, o.description,
                                        " ".join(sorted(states(o))))
        except Exception:
            continue
        out.write(line + "\n")


def parent_role(obj):
    try:
        return obj.parent.getRoleName()
    except Exception:
        return None


def check_dropdown_names(app):
    """Every dropdown's button has a name of its own: its label's and what it shows."""
    dropdowns = objects(app, "combo box")
    buttons = [o for o in objects(app, "push button") if parent_role(o) == "combo box"]
    unnamed = [o for o in dropdowns + buttons if not o.name or o.name.startswith("Gtk")]
    check(len(buttons) > 5 and len(buttons) == len(dropdowns) and not unnamed,
          "every dropdown and its button is named (%d, %d; unnamed: %r)"
          % (len(dropdowns), len(buttons), [o.name for o in unnamed]))
    schedule = [o.name for o in buttons if o.name.startswith("Schedule: ")]
    check(len(schedule) == 1, "the schedule dropdown's button says its label and value: %r" % schedule)


def key(keysym, pause=0.5):
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
    time.sleep(pause)


def check_plot_keys(plot):
    """Tab to the plot, then Left reads out a point in its description and Escape gives the summary back.
    The pointer rests on the plot, so that the keys reach its window (no window manager here); GTK 4.8 does
    not implement AT-SPI's grabFocus."""
    x, y, w, h = plot.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    subprocess.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2)], check=False)
    time.sleep(0.5)
    for _ in range(150):
        if "focused" in states(plot):
            break
        key(KEY_TAB, 0.05)
    check("focused" in states(plot), "Tab reaches the loss plot")
    key(KEY_LEFT)
    text = wait("the focused loss plot reading out a point after Left",
                lambda: plot.description if plot.description.startswith("epoch ") else None, timeout=10)
    check(text is not None and ", train loss (per batch) " in text,
          "Left on the loss plot reads out a point: %r" % plot.description)
    key(KEY_ESCAPE)
    wait("the loss plot's summary after Escape",
         lambda: plot.description.startswith("train loss (per batch): latest "), timeout=10)


def page(app, title):
    press(app, "page tab", title)
    time.sleep(1.0)


def main():
    home = tempfile.mkdtemp(prefix="dl-atspi-")
    env = dict(os.environ)
    for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[k] = os.path.join(home, k)
        os.makedirs(env[k])
    env.update(GSETTINGS_BACKEND="memory", GDK_BACKEND="x11")
    env.pop("NO_AT_BRIDGE", None)
    env.pop("GTK_A11Y", None)
    proc = subprocess.Popen([APP], env=env)
    try:
        app = wait("the app on the AT-SPI bus", the_app)
        if app is None:
            return 1
        with open(DUMP, "w") as out:
            # Train: the plots before and during a run.
            loss = wait("the loss plot", lambda: named(app, "image", "Loss"))
            accuracy = named(app, "image", "Accuracy")
            check(bool(loss) and bool(accuracy), "the Train page's plots are images named Loss and Accuracy")
            if not (loss and accuracy):
                dump(app, "the app", out)
                return 1
            loss, accuracy = loss[0], accuracy[0]
            check("focusable" in states(loss) and "focusable" in states(accuracy), "the plots are focusable")
            check(loss.description == "No points yet", "an empty plot says so: %r" % loss.description)
            check_dropdown_names(app)
            wait("Start enabled", lambda: any("sensitive" in states(o) for o in named(app, "push button", "Start")))
            press(app, "push button", "Start")
            wait("the loss plot describing the run's loss",
                 lambda: loss.description.startswith("train loss (per batch): latest "))
            press(app, "push button", "Evaluate")
            wait("the accuracy plot describing the whole-set evaluation",
                 lambda: "test accuracy: latest " in accuracy.description and " %" in accuracy.description)
            check("best" in accuracy.description, "the accuracy plot names its best: %r" % accuracy.description)
            press(app, "push button", "Pause")
            print("loss plot: %s\naccuracy plot: %s" % (loss.description, accuracy.description))
            check_plot_keys(loss)

            page(app, "Draw")
            canvas = named(app, "image", "Drawing area for a digit")
            check(len(canvas) == 1, "the Draw page's canvas is an image named for what it is")
            if canvas:
                check("focusable" in states(canvas[0]), "the canvas is focusable")
                check(canvas[0].description.startswith("Empty. Arrow keys move the pen"),
                      "the canvas says it is empty and how to draw: %r" % canvas[0].description)

            page(app, "Mistakes")
            matrix = named(app, "image", "Confusion matrix")
            check(len(matrix) == 1, "the confusion matrix is an image named Confusion matrix")
            if matrix:
                check("focusable" in states(matrix[0]), "the confusion matrix is focusable")
                check(" right (" in matrix[0].description,
                      "the confusion matrix gives the share right: %r" % matrix[0].description)
            tiles = [o for o in objects(app, "image") if o.name.startswith("Test image ")]
            check(len(tiles) > 0, "mistake tiles are images named after their test image (%d)" % len(tiles))
            if tiles:
                check(", the network answers " in tiles[0].name, "a tile says the label and the answer: %r" % tiles[0].name)
            bars = {o.name for o in objects(app, "level bar")}
            check(all(str(c) in bars for c in range(10)),
                  "the probabilities' bars are named after their class: %r" % sorted(bars))

            page(app, "Data")
            samples = [o for o in objects(app, "image") if o.name.startswith("Training image ")]
            check(len(samples) == 40, "the 40 samples are images named after their image and label (%d)" % len(samples))
            histogram = named(app, "image", "Share of each digit among the labels")
            check(len(histogram) == 1 and histogram[0].description.startswith("Training set: 0 "),
                  "the label histogram describes every digit's share: %r"
                  % (histogram[0].description if histogram else None))
            dump(app, "the app, on the Data page after a run", out)
        print("accessible tree: %s" % DUMP)
    finally:
        if proc.poll() is not None:
            check(False, "the app ended by itself, with status %d" % proc.returncode)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
