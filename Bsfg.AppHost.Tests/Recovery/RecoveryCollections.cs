namespace Bsfg.AppHost.Tests.Recovery;

[CollectionDefinition(RecoveryCollections.Ci)]
public sealed class RecoveryCiCollection;

[CollectionDefinition(RecoveryCollections.Full)]
public sealed class RecoveryFullCollection;
