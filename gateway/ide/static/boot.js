// Starts GraphiQL. Served as a file because the page's Content-Security-Policy allows
// no inline script. React, ReactDOM and GraphiQL are globals from the UMD files the
// page loads before this one (all from the gateway itself).
(function () {
  'use strict';
  var root = document.getElementById('graphiql');

  function fail(message) {
    root.textContent = '';
    var p = document.createElement('p');
    p.className = 'ide-error';
    p.textContent = message;
    root.appendChild(p);
  }

  if (typeof window.GraphiQL === 'undefined' || typeof window.React === 'undefined') {
    fail('GraphiQL\'s files did not load. Run "npm ci" in the gateway\'s folder and reload.');
    return;
  }

  fetch('/ide/config.json', { credentials: 'same-origin', cache: 'no-store' })
    .then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    })
    .then(function (config) {
      var fetcher = window.GraphiQL.createFetcher({ url: config.endpoint });
      var element = window.React.createElement(window.GraphiQL, {
        fetcher: fetcher,
        defaultTabs: config.tabs,
        // GraphiQL 3 fills the first tab's Headers editor from defaultHeaders, not from
        // the tab itself; the other tabs bring their own when opened.
        defaultHeaders: config.tabs.length ? config.tabs[0].headers : '',
        defaultEditorToolsVisibility: 'headers',
        isHeadersEditorEnabled: true,
        // Development tokens live in the tabs of this browser tab only: kept across a
        // reload, forgotten when the tab closes, never in localStorage.
        storage: window.sessionStorage,
        shouldPersistHeaders: true,
      });
      window.ReactDOM.createRoot(root).render(element);
    })
    .catch(function (error) {
      fail('GraphiQL could not read its settings from /ide/config.json: ' + error.message);
    });
})();
