// Jemput officer pages: small progressive enhancements. Every page works
// without this script; with it, a NIK is read back as it is typed, a form
// is saved as a draft while it is filled, the sync page shows live progress,
// and the pages lock themselves (after saving) when the officer walks away.
(function () {
  'use strict';

  function token() {
    var el = document.querySelector('input[name=csrf]');
    return el ? el.value : '';
  }

  function post(url, params) {
    return fetch(url, {
      method: 'POST', body: params, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': token() }
    });
  }

  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });

  var form = document.getElementById('record-form');
  var dirty = false;
  var saveNow = function () {};

  if (form) {
    var status = document.getElementById('autosave');
    var timer = null;
    var editURL = '/records/' + form.dataset.id + '/edit';

    // NIK read back in words: birth date, sex, district.
    form.querySelectorAll('input.nik').forEach(function (input) {
      var out = document.getElementById(input.id + '-readback');
      if (!out) { return; }
      input.addEventListener('input', function () {
        var v = input.value.trim();
        if (v.length !== 16) {
          out.textContent = v.length ? v.length + '/16' : '';
          out.classList.remove('bad');
          return;
        }
        post('/nik', new URLSearchParams({ value: v })).then(function (r) { return r.json(); }).then(function (j) {
          out.textContent = j.text || j.error || '';
          out.classList.toggle('bad', !!j.error);
        }).catch(function () {});
      });
    });

    saveNow = function (leaving) {
      if (!dirty) { return; }
      dirty = false;
      var data = new FormData(form);
      data.set('action', 'autosave');
      if (leaving && navigator.sendBeacon) {
        navigator.sendBeacon('/save', data);
        return;
      }
      return post('/save', new URLSearchParams(data)).then(function (r) {
        if (r.status === 401 || r.status === 403) {
          dirty = true;
          status.textContent = status.dataset.locked || 'Terkunci: buka kunci di tab baru; isian ini tetap di layar.';
          return;
        }
        return r.json().then(function (j) {
          if (j.saved) {
            status.textContent = (document.documentElement.lang === 'en' ? 'Draft saved ' : 'Draf tersimpan ') + j.at;
            if (location.pathname.indexOf('/new/') === 0) { history.replaceState(null, '', editURL); }
          } else {
            status.textContent = document.documentElement.lang === 'en' ? 'Not saved yet: see the messages when you send.' : 'Belum tersimpan: lihat pesan saat dikirim.';
          }
        });
      }).catch(function () { dirty = true; });
    };

    var changed = function () {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(function () { saveNow(false); }, 1200);
    };
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    form.addEventListener('submit', function () { dirty = false; clearTimeout(timer); });
    window.addEventListener('pagehide', function () { saveNow(true); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') { saveNow(true); }
    });
    var firstError = form.querySelector('[aria-invalid=true]');
    if (firstError) { firstError.focus(); }
  }

  // Live sync progress; the state lives in the server, so a reload picks
  // it up again.
  var progress = document.getElementById('progress');
  if (progress && progress.dataset.running === 'true') {
    var bar = document.getElementById('bar');
    var text = document.getElementById('progress-text');
    var size = function (n) {
      if (n >= 1048576) { return (n / 1048576).toFixed(1) + ' MiB'; }
      if (n >= 1024) { return (n / 1024).toFixed(1) + ' KiB'; }
      return n + ' B';
    };
    var en = document.documentElement.lang === 'en';
    var poll = function () {
      fetch('/sync/progress', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (s) {
        if (!s.running) { location.reload(); return; }
        bar.value = s.percent;
        text.textContent = (en ? 'Running: ' : 'Berjalan: ') + s.percent + '% · ' + size(s.bytes_sent) + ' / ' + size(s.bytes_total) +
          ' · ' + s.changes_sent + ' / ' + s.changes + (en ? ' changes' : ' perubahan') +
          (s.seconds_left >= 0 ? (en ? ' · about ' : ' · sisa ~') + s.seconds_left + ' s' : '') +
          (s.retry ? (en ? ' · retrying: ' : ' · mencoba lagi: ') + s.retry : '');
        setTimeout(poll, 500);
      }).catch(function () { setTimeout(poll, 2000); });
    };
    poll();
  }

  // Walking away locks the pages after saving what was typed.
  var idle = parseInt(document.body.dataset.idle || '0', 10);
  if (idle > 0) {
    var last = Date.now();
    ['keydown', 'mousedown', 'touchstart', 'input'].forEach(function (ev) {
      document.addEventListener(ev, function () { last = Date.now(); }, true);
    });
    setInterval(function () {
      if (Date.now() - last > idle * 1000) {
        last = Date.now();
        Promise.resolve(saveNow(false)).then(function () {
          return post('/lock', new URLSearchParams());
        }).finally(function () { location.href = '/unlock'; });
      }
    }, 5000);
  }
})();
