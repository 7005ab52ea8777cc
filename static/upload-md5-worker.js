// Upload from local: the file's MD5, computed incrementally off the page's
// thread (hash-wasm, vendored) while tus sends the file. The page posts
// {file, hashWasm: the URL of hash-wasm's MD5 build}; the worker answers
// {hashed: bytes} as it goes, then {md5: hex} (or {error}).
self.onmessage = async (event) => {
  const { file, hashWasm } = event.data;
  try {
    self.importScripts(hashWasm);
    const md5 = await self.hashwasm.createMD5();
    md5.init();
    const step = 8 * 1024 * 1024;
    for (let position = 0; position < file.size; position += step) {
      const block = await file.slice(position, position + step).arrayBuffer();
      md5.update(new Uint8Array(block));
      self.postMessage({ hashed: Math.min(position + step, file.size) });
    }
    self.postMessage({ md5: md5.digest("hex") });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
