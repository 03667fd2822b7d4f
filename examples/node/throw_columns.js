// An error thrown on lines the recorder rewrites (an await before the throw, an async arrow): uncaught, Node prints
// its stack and exits with code 1. Recorded, the same stderr is expected (see the README for what can differ).
async function parse(text) {
  await new Promise((resolve) => setTimeout(resolve, 10)); const data = JSON.parse(text); return data.user.name;
}

const run = async () => console.log(await parse('{"id": 1}'));

setTimeout(run, 5);
