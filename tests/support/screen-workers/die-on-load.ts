// A screening worker that dies while loading, before it could say anything.
throw new Error('corrupt model file')
