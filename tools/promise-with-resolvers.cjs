// Preloaded with `node -r` for js-ipfs 0.66 (its dependencies call Promise.withResolvers,
// which node 20 lacks).
'use strict'
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve
    let reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
