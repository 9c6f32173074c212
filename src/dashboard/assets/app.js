// Ramp dashboard: live updates (server-sent events) and the action buttons. The server
// renders every fragment; this script only swaps them in and posts actions.
(function () {
  'use strict';
  var body = document.body;
  var live = document.getElementById('live');

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  function setLive(state, text) {
    if (!live) return;
    live.className = 'live ' + state;
    live.textContent = text;
  }

  function fragment(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function countUpdate() {
    body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
  }

  function toggleEmpty() {
    var empty = document.getElementById('empty');
    var rows = document.getElementById('rows');
    if (empty && rows) empty.hidden = rows.children.length > 0;
  }

  function insertSorted(row) {
    var rows = document.getElementById('rows');
    if (!rows) return;
    var key = row.dataset.key;
    for (var i = 0; i < rows.children.length; i++) {
      if (rows.children[i].dataset.key > key) {
        rows.insertBefore(row, rows.children[i]);
        return;
      }
    }
    rows.appendChild(row);
  }

  function onRollout(d) {
    if (body.dataset.page === 'list' && d.html) {
      var row = fragment(d.html);
      var old = document.getElementById(row.id);
      if (old) {
        old.classList.remove('flash');
        if (old.outerHTML !== row.outerHTML) {
          old.replaceWith(row);
          row.classList.add('flash');
        }
      } else {
        insertSorted(row);
      }
      toggleEmpty();
    } else if (body.dataset.page === 'detail' && typeof d.html === 'string') {
      var detail = document.getElementById('detail');
      if (detail) detail.innerHTML = d.html;
    }
    countUpdate();
  }

  function onDeleted(d) {
    if (body.dataset.page === 'list') {
      var row = document.getElementById(d.id);
      if (row) row.remove();
      toggleEmpty();
    } else {
      var detail = document.getElementById('detail');
      if (detail) detail.innerHTML = '<section class="card error"><p>This rollout was deleted.</p></section>';
    }
    countUpdate();
  }

  function watch(url) {
    var es = new EventSource(url);
    es.addEventListener('open', function () { setLive('on', 'live'); });
    es.addEventListener('error', function () { setLive('off', 'reconnecting'); });
    es.addEventListener('rollout', function (e) { onRollout(JSON.parse(e.data)); });
    es.addEventListener('deleted', function (e) { onDeleted(JSON.parse(e.data)); });
    es.addEventListener('unauthorized', function () {
      es.close();
      location.href = '/login?next=' + encodeURIComponent(location.pathname);
    });
    es.addEventListener('forbidden', function (e) {
      es.close();
      setLive('off', 'no access');
    });
  }

  function act(button) {
    var card = document.getElementById('actions');
    var result = document.getElementById('action-result');
    var summary = document.querySelector('#detail [data-revision]');
    var input = document.getElementById('action-message');
    var action = button.dataset.action;
    if ((action === 'abort' || action === 'reject') && !window.confirm(action + ' this rollout?')) return;
    var payload = { message: input ? input.value : '' };
    if (summary && summary.dataset.revision) payload.revision = summary.dataset.revision;
    result.className = 'result';
    result.textContent = action + '…';
    fetch(card.dataset.endpoint + '/' + action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, status: r.status, j: j }; });
    }).then(function (x) {
      if (x.ok) {
        result.className = 'result ok';
        result.textContent = x.j.op + ' requested by ' + x.j.by + ' (id ' + x.j.id + '); the controller carries it out.';
        if (input) input.value = '';
      } else {
        result.className = 'result fail';
        result.textContent = x.status + ': ' + x.j.error;
      }
    }).catch(function (e) {
      result.className = 'result fail';
      result.textContent = String(e);
    });
  }

  document.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-action]');
    if (b && !b.disabled) act(b);
  });

  if (body.dataset.watch) watch(body.dataset.watch);
})();
