/* Where the judge's outbox lives on the device: IndexedDB (database "contest", store "outbox"), one record per
 * waiting submission, so a reload, a closed tab or a flat battery loses nothing that was confirmed.
 *
 * window.ContestStore.open(box) -> a store for one outbox (one contest and judge), or null when this browser has no
 * IndexedDB (the Outbox in common.js then keeps using localStorage, as before):
 *   store.load()            -> Promise of the entries kept for this box (oldest first)
 *   store.apply(puts, ids)  -> Promise: writes `puts` and deletes `ids` in one transaction
 *   store.onChange(fn)      -> fn() when another tab of this browser changed the box (BroadcastChannel)
 *   store.changed()         -> tell the other tabs
 * Records are {uid: box + "|" + id, box, entry}; each entry is written on its own, so two tabs never overwrite
 * each other's list.
 */
(function () {
  "use strict";

  const DB = "contest";
  const STORE = "outbox";

  let opening = null;

  function database() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        let request;
        try {
          request = window.indexedDB.open(DB, 1);
        } catch (err) {
          reject(err);
          return;
        }
        request.onupgradeneeded = function () {
          const db = request.result;
          if (!db.objectStoreNames.contains(STORE)) {
            db.createObjectStore(STORE, { keyPath: "uid" }).createIndex("box", "box", { unique: false });
          }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
        request.onblocked = function () { reject(new Error("indexedDB blocked")); };
      });
    }
    return opening;
  }

  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("aborted")); };
    });
  }

  function open(box) {
    if (!window.indexedDB) return null;
    const channel = typeof window.BroadcastChannel === "function" ? new window.BroadcastChannel("contest-outbox") : null;
    return {
      load: async function () {
        const db = await database();
        const tx = db.transaction(STORE, "readonly");
        const request = tx.objectStore(STORE).index("box").getAll(box);
        await done(tx);
        return request.result
          .map(function (record) { return record.entry; })
          .sort(function (a, b) { return (a.created || 0) - (b.created || 0); });
      },
      apply: async function (puts, deletes) {
        const db = await database();
        const tx = db.transaction(STORE, "readwrite");
        const store = tx.objectStore(STORE);
        puts.forEach(function (entry) { store.put({ uid: box + "|" + entry.id, box: box, entry: entry }); });
        deletes.forEach(function (id) { store.delete(box + "|" + id); });
        await done(tx);
      },
      onChange: function (fn) {
        if (channel) {
          channel.onmessage = function (event) {
            if (event.data === box) fn();
          };
        }
      },
      changed: function () {
        if (channel) channel.postMessage(box);
      },
    };
  }

  window.ContestStore = { open: open };
})();
