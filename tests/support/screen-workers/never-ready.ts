// A screening worker stuck loading its model: it never says ready.
export {}
setInterval(() => {}, 1000)
