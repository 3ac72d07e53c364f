namespace EventHealth.Recording;

// Fixed vocabularies. On the wire (and in stored events) each value is the kebab-case spelling of its
// name: UpperArm is "upper-arm", PoorSleep is "poor-sleep". Unknown spellings are validation errors.

public enum BodyRegion
{
    Face,
    Eyelid,
    Neck,
    Shoulder,
    UpperArm,
    Forearm,
    Hand,
    Chest,
    Abdomen,
    Back,
    Thigh,
    Calf,
    Foot,
    Widespread,
}

public enum Side
{
    Left,
    Right,
    Both,
}

public enum TriggerKind
{
    Stress,
    Anxiety,
    PoorSleep,
    Fatigue,
    Overexertion,
    Caffeine,
    Dehydration,
    MedicationStarted,
    MedicationWithdrawn,
    LowMagnesium,
}

public enum InterventionKind
{
    MagnesiumFood,
    MagnesiumSupplement,
    Hydration,
    Stretching,
    Yoga,
    Massage,
    FoamRolling,
    HeatTherapy,
    Breathing,
    Meditation,
    SleepHygiene,
    MedicationAdjustment,
    LightExercise,
    Other,
}

public enum SymptomKind
{
    MuscleWeakness,
    MuscleAtrophy,
    DifficultyWalking,
    CoordinationProblem,
    BalanceProblem,
    Numbness,
    Tingling,
    SpeechDifficulty,
    SwallowingDifficulty,
}
