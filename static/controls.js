/* The judge's and the chief judge's pages: the touch control of one criterion (a row of buttons or a stepper,
 * respecting min/max/step), the check of a typed value, and the confirm dialog. Needs static/common.js first.
 */
(function () {
  const { t, el, clear, $, Dec } = window.Contest;


  /* Why `text` cannot be a value of `criterion`, or "" when it can (the server checks again: it decides). */
  function problemWith(criterion, text) {
    const label = criterion.label;
    if (text === null || text === undefined || text === "") return t("missing_value", { label: label });
    const v = Dec.parse(text);
    if (!v) return t("not_number", { label: label });
    const min = Dec.parse(criterion.min);
    const max = Dec.parse(criterion.max);
    if (Dec.cmp(v, min) < 0 || Dec.cmp(v, max) > 0) {
      return t("out_of_range", { label: label, min: criterion.min, max: criterion.max });
    }
    if (criterion.step && !Dec.onStep(v, min, Dec.parse(criterion.step))) {
      return t("off_step", { label: label, step: criterion.step, min: criterion.min });
    }
    return "";
  }

  // -- the control of one criterion --------------------------------------------------------------------------

  /* Returns {node, set(value)}; calls onChange(value or "") whenever the judge changes it. */
  function control(criterion, value, onChange, disabled) {
    if (criterion.choices) return choiceRow(criterion, value, onChange, disabled);
    return stepper(criterion, value, onChange, disabled);
  }

  function choiceRow(criterion, value, onChange, disabled) {
    const row = el("div", { class: "choices", role: "radiogroup", "aria-label": criterion.label });
    const buttons = criterion.choices.map(function (choice) {
      const button = el("button", {
        type: "button",
        class: "choice",
        role: "radio",
        "aria-checked": "false",
        disabled: !!disabled,
        dataset: { value: choice },
        text: choice,
      });
      button.addEventListener("click", function () {
        set(choice);
        onChange(choice);
      });
      row.append(button);
      return button;
    });
    if (criterion.choices.length > 6) row.classList.add("many");
    function set(v) {
      buttons.forEach(function (b) {
        const on = v !== "" && v !== null && v !== undefined && Dec.same(b.dataset.value, v);
        b.setAttribute("aria-checked", on ? "true" : "false");
        b.classList.toggle("selected", on);
      });
    }
    set(value);
    return { node: row, set: set };
  }

  function stepper(criterion, value, onChange, disabled) {
    const min = Dec.parse(criterion.min);
    const max = Dec.parse(criterion.max);
    const span = Dec.sub(max, min);
    const step = criterion.step ? Dec.parse(criterion.step) : Dec.cmp(span, Dec.parse("10")) >= 0 ? Dec.parse("1") : Dec.parse("0.1");
    const coarse = criterion.coarse ? Dec.parse(criterion.coarse) : null;
    const input = el("input", {
      type: "text",
      inputmode: "decimal",
      autocomplete: "off",
      class: "stepper-value",
      "aria-label": criterion.label,
      disabled: !!disabled,
    });
    function startValue() {
      // where an empty field starts: the criterion's default when it has one, else the middle of the range; it is
      // shown in the empty field, and the first tap steps from it (+0.5 from 5 gives 5.5)
      if (criterion.default && problemWith(criterion, criterion.default) === "") return Dec.parse(criterion.default);
      const steps = Dec.stepsFrom(max, min, step);
      return Dec.add(min, Dec.times(step, steps / 2n));
    }
    function clamp(d) {
      if (Dec.cmp(d, min) < 0) return min;
      if (Dec.cmp(d, max) > 0) return max;
      return d;
    }
    function move(by, sign) {
      const current = Dec.parse(input.value) || startValue();
      let base = current;
      if (criterion.step && !Dec.onStep(current, min, step)) {
        base = Dec.add(min, Dec.times(step, Dec.stepsFrom(current, min, step)));
      }
      const next = clamp(sign > 0 ? Dec.add(base, by) : Dec.sub(base, by));
      input.value = Dec.format(next);
      changed();
    }
    function changed() {
      input.classList.toggle("invalid", input.value !== "" && problemWith(criterion, input.value) !== "");
      onChange(input.value.trim().replace(",", "."));
    }
    input.placeholder = disabled ? t("empty_value") : Dec.format(startValue());
    input.addEventListener("input", changed);
    function button(text, by, sign, extra, label) {
      const b = el("button", { type: "button", class: "step " + extra, disabled: !!disabled, "aria-label": label, text: text });
      b.addEventListener("click", function () { move(by, sign); });
      return b;
    }
    const parts = [];
    if (coarse) parts.push(button("−" + Dec.format(coarse), coarse, -1, "coarse", t("stepper_down") + " " + Dec.format(coarse)));
    parts.push(button("−", step, -1, "fine", t("stepper_down") + " " + Dec.format(step)));
    parts.push(input);
    parts.push(button("+", step, 1, "fine", t("stepper_up") + " " + Dec.format(step)));
    if (coarse) parts.push(button("+" + Dec.format(coarse), coarse, 1, "coarse", t("stepper_up") + " " + Dec.format(coarse)));
    const node = el("div", { class: "stepper" + (coarse ? " with-coarse" : "") }, parts);
    function set(v) {
      input.value = v === null || v === undefined ? "" : String(v);
      input.classList.remove("invalid");
    }
    set(value);
    return { node: node, set: set };
  }


  /* The confirm dialog: resolves the reason ("" when none was asked) or null when the judge went back. */
  function confirmDialog(options) {
    const dialog = $("confirm");
    const form = $("confirm-form");
    const reasonWrap = $("reason-wrap");
    const reason = $("reason");
    const error = $("confirm-error");
    $("confirm-title").textContent = options.title;
    $("confirm-sub").textContent = options.sub || "";
    const values = $("confirm-values");
    clear(values);
    (options.rows || []).forEach(function (row) {
      values.append(el("dt", { text: row[0] }), el("dd", { text: row[1] }));
    });
    values.hidden = !(options.rows || []).length;
    reasonWrap.hidden = !options.reason;
    const label = $("reason-label");
    if (label) {
      if (!label.dataset.text) label.dataset.text = label.firstChild.textContent;
      label.firstChild.textContent = (options.reasonLabel || label.dataset.text.trim()) + " ";
      label.classList.toggle("optional", options.reason !== "required");
    }
    reason.value = "";
    error.textContent = "";
    $("confirm-ok").textContent = options.ok || t("submit");
    const cancel = $("confirm-cancel");
    if (!cancel.dataset.text) cancel.dataset.text = cancel.textContent;
    cancel.textContent = options.cancel || cancel.dataset.text;
    $("confirm-ok").className = "big " + (options.danger ? "danger" : "primary");
    return new Promise(function (resolve) {
      function done(result) {
        form.removeEventListener("submit", onSubmit);
        $("confirm-cancel").removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(result);
      }
      function onSubmit(event) {
        event.preventDefault();
        const text = reason.value.trim();
        if (options.reason === "required" && !text) {
          error.textContent = options.reasonMissing || t("reason_required");
          reason.focus();
          return;
        }
        done(text);
      }
      function onCancel(event) {
        if (event) event.preventDefault();
        done(null);
      }
      form.addEventListener("submit", onSubmit);
      $("confirm-cancel").addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      if (options.reason) reason.focus();
      else $("confirm-ok").focus();
    });
  }

  Object.assign(window.Contest, { problemWith: problemWith, control: control, confirmDialog: confirmDialog });
})();
