/*
 * mapwatch review app: progressive enhancement only. Every page works without this file
 * (forms post, links navigate); it adds conveniences. Served as /assets/app.js; the CSP
 * allows no inline script, so behaviour is declared with data- attributes:
 *
 *   <input type="checkbox" data-select-all="ids">   checks/unchecks every checkbox named "ids"
 *   <form data-confirm="Dismiss these cases?">       asks before submitting (also on a button)
 *   <select data-autosubmit>                         submits its form when changed (filters)
 *   <span data-selected-count="ids"></span>          shows how many "ids" checkboxes are checked
 *   <input type="file" data-fills="some-id">        reads the chosen file into the textarea #some-id
 *                                                   (a saved page for the site test, posted as a form)
 */
(function () {
  'use strict';

  function boxes(name) {
    return Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
  }

  function refreshCounts(name) {
    var n = boxes(name).filter(function (b) {
      return b.checked;
    }).length;
    document.querySelectorAll('[data-selected-count="' + name + '"]').forEach(function (el) {
      el.textContent = String(n);
    });
    document.querySelectorAll('[data-select-all="' + name + '"]').forEach(function (all) {
      var total = boxes(name).length;
      all.checked = total > 0 && n === total;
      all.indeterminate = n > 0 && n < total;
    });
    document.querySelectorAll('[data-needs-selection="' + name + '"]').forEach(function (el) {
      el.disabled = n === 0;
    });
  }

  document.addEventListener('change', function (e) {
    var t = e.target;
    if (!(t instanceof HTMLElement)) return;
    var all = t.getAttribute('data-select-all');
    if (all) {
      boxes(all).forEach(function (b) {
        b.checked = t.checked;
        var row = b.closest('tr');
        if (row) row.classList.toggle('selected', b.checked);
      });
      refreshCounts(all);
      return;
    }
    if (t instanceof HTMLInputElement && t.type === 'checkbox' && t.name) {
      var row = t.closest('tr');
      if (row) row.classList.toggle('selected', t.checked);
      refreshCounts(t.name);
    }
    if (t.hasAttribute('data-autosubmit') && t.form) t.form.requestSubmit();
    var fills = t.getAttribute('data-fills');
    if (fills && t instanceof HTMLInputElement && t.files && t.files[0]) {
      var target = document.getElementById(fills);
      if (target)
        t.files[0].text().then(function (text) {
          target.value = text;
        });
    }
  });

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var submitter = e.submitter;
    var text =
      (submitter && submitter.getAttribute('data-confirm')) ||
      (form instanceof HTMLElement && form.getAttribute('data-confirm'));
    if (text && !window.confirm(text)) e.preventDefault();
  });

  document.addEventListener('DOMContentLoaded', function () {
    var names = {};
    document
      .querySelectorAll('[data-select-all], [data-selected-count], [data-needs-selection]')
      .forEach(function (el) {
        names[
          el.getAttribute('data-select-all') ||
            el.getAttribute('data-selected-count') ||
            el.getAttribute('data-needs-selection')
        ] = true;
      });
    Object.keys(names).forEach(refreshCounts);
  });
})();
