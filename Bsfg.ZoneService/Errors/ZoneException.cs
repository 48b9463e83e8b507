namespace Bsfg.ZoneService.Errors;

/// <summary>
/// The zone refused or could not complete an operation, for a reason its caller can act on. Domain code (facts,
/// consumers, objects, replication) throws the subclasses below; the RPC edge decides the protocol status for each
/// in one place (<c>Rpc/ZoneErrorTranslator</c>), so the domain never depends on a transport. Messages are written
/// for the caller: they never carry secrets.
/// </summary>
public abstract class ZoneException : Exception
{
    private protected ZoneException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The same error located inside a request, e.g. <c>facts[3]: …</c> for the fourth fact of a batch.</summary>
    /// <param name="location">Where in the request the error is.</param>
    public ZoneException At(string location) => WithMessage($"{location}: {Message}");

    private protected abstract ZoneException WithMessage(string message);
}

/// <summary>The request is malformed or names something this zone does not have (a bucket, a kind).</summary>
public sealed class InvalidRequestException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new InvalidRequestException(message, this);
}

/// <summary>What the request names does not exist, or is not visible to this caller.</summary>
public sealed class NotFoundException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new NotFoundException(message, this);
}

/// <summary>The caller's identity is not known: no client certificate of the topology and no valid producer token.</summary>
public sealed class NotAuthenticatedException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new NotAuthenticatedException(message, this);
}

/// <summary>The caller is known but not granted the operation (wrong role, zone or export policy).</summary>
public sealed class NotGrantedException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new NotGrantedException(message, this);
}

/// <summary>Something with that name already exists with other content; it is never overwritten.</summary>
public sealed class ConflictException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new ConflictException(message, this);
}

/// <summary>The zone's state does not allow the operation now (e.g. an upload already completed, an object missing).</summary>
public sealed class PreconditionFailedException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new PreconditionFailedException(message, this);
}

/// <summary>A concurrent change won; the caller may retry the whole operation.</summary>
public sealed class ConcurrentChangeException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new ConcurrentChangeException(message, this);
}

/// <summary>A configured limit (size, count, storage) would be exceeded.</summary>
public sealed class LimitExceededException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new LimitExceededException(message, this);
}

/// <summary>A position (sequence, offset) lies outside what exists; the message says where to continue.</summary>
public sealed class PositionOutOfRangeException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new PositionOutOfRangeException(message, this);
}

/// <summary>The zone cannot serve right now (starting, stopping, storage unreachable); retrying later may succeed.</summary>
public sealed class ZoneUnavailableException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new ZoneUnavailableException(message, this);
}

/// <summary>Content does not match what was declared or stored (size, digest, damaged chunks); nothing was stored.</summary>
public sealed class IntegrityException(string message, Exception? innerException = null) : ZoneException(message, innerException)
{
    private protected override ZoneException WithMessage(string message) => new IntegrityException(message, this);
}
