// Run once by the `mongo-init` service of deploy/compose.yaml (and harmless to run again):
// make mongo1..3 the replica set rs0, wait for a primary, then create the application's user.
// The root user exists already: mongo1's image entrypoint made it on first start.
const root = encodeURIComponent(process.env.MONGO_ROOT_PASSWORD);

function connectTo(host) {
  for (let i = 0; i < 60; i++) {
    try {
      return connect(`mongodb://root:${root}@${host}:27017/admin?directConnection=true`);
    } catch (e) {
      print(`waiting for ${host}: ${e.message}`);
      sleep(2000);
    }
  }
  throw new Error(`${host} did not answer`);
}

db = connectTo("mongo1");
try {
  rs.status();
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  rs.initiate({
    _id: "rs0",
    members: [
      { _id: 0, host: "mongo1:27017", priority: 2 },
      { _id: 1, host: "mongo2:27017", priority: 1 },
      { _id: 2, host: "mongo3:27017", priority: 1 },
    ],
  });
  print("replica set rs0 initiated");
}

const hasPrimary = () => rs.status().members.some((m) => m.stateStr === "PRIMARY");
for (let i = 0; !hasPrimary(); i++) {
  if (i > 60) throw new Error("no primary after 2 minutes");
  sleep(2000);
}
// the primary may be another member (a later run, after an election): write through the set
db = connect(`mongodb://root:${root}@mongo1:27017,mongo2:27017,mongo3:27017/admin?replicaSet=rs0`);
const app = db.getSiblingDB("govservice");
if (!app.getUser("govservice")) {
  // readWrite covers the app's indexes, transactions, GridFS and change streams on its database
  app.createUser({ user: "govservice", pwd: process.env.MONGO_APP_PASSWORD, roles: [{ role: "readWrite", db: "govservice" }] });
  print("user govservice created");
}
